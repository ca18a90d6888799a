/**
 * run-options — the options `tsnet run` and `tsnet create` share (Docker's spellings), and
 * their translation into the runtime's ContainerSpec. Parsing of each value is the
 * runtime's (runtime/spec-parse.ts); this file only maps flags to fields.
 */
import * as fs from 'node:fs';
import { Option, type Command } from 'commander';
import { invalid, TsnetError } from '../core/errors.js';
import type { ContainerSpec, NetworkEndpointSpec } from '../runtime/spec.js';
import {
  parseAddHost, parseCpus, parseEnvLines, parseNetworkMode, parseSize, parseTmpfs, parseUlimit, parseVolume,
} from '../runtime/spec-parse.js';
import type { GlobalOpts } from './output.js';

export interface RunOpts extends GlobalOpts {
  detach?: boolean; rm?: boolean; interactive?: boolean; tty?: boolean; name?: string; hostname?: string;
  env: string[]; envFile: string[]; workdir?: string; user?: string; volume: string[]; tmpfs: string[];
  publish: string[]; network: string[]; net: string[]; ip?: string; macAddress?: string; networkAlias: string[];
  dns: string[]; dnsSearch: string[]; dnsOption: string[]; addHost: string[]; memory?: string; cpus?: string;
  pidsLimit?: string; capAdd: string[]; capDrop: string[]; privileged?: boolean; readOnly?: boolean;
  entrypoint?: string; ulimit: string[]; shmSize?: string;
}

const many = (v: string, prev: string[]): string[] => [...prev, v];

/** withRunOptions — every option of run/create; -h is --hostname here, as in Docker. */
export function withRunOptions(cmd: Command): Command {
  return cmd
    .helpOption('--help', 'show help')
    .option('--name <name>', 'name the container (default: a generated one)')
    .option('-h, --hostname <name>', 'container hostname (default: its short id)')
    .option('-e, --env <K=V>', 'set an environment variable (K alone: take it from here)', many, [])
    .option('--env-file <file>', 'read environment variables from a file', many, [])
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user[:group]>', 'user name or uid (and group) to run as')
    .option('-v, --volume <host:ctr[:ro]>', 'bind-mount a host path', many, [])
    .option('--tmpfs <dir[:opts]>', 'mount a tmpfs', many, [])
    .option('-p, --publish <spec>', 'publish a port: [HOSTIP:][HOSTPORT:]CTRPORT[/PROTO]', many, [])
    .addOption(new Option('--network <mode>', 'bridge (default), host, none, container:NAME or a network name (repeat: eth0, eth1, ...)').argParser(many).default([]))
    .addOption(new Option('--net <mode>', 'alias of --network').argParser(many).default([]).hideHelp())
    .option('--ip <addr>', 'IPv4 address on the (first) network')
    .option('--mac-address <mac>', 'MAC address of eth0')
    .option('--network-alias <name>', 'another name on the network (embedded DNS)', many, [])
    .option('--dns <ip>', 'DNS server for /etc/resolv.conf', many, [])
    .option('--dns-search <domain>', 'DNS search domain', many, [])
    .option('--dns-option <opt>', 'resolv.conf option', many, [])
    .option('--add-host <name:ip>', 'add a line to /etc/hosts', many, [])
    .option('-m, --memory <size>', 'memory limit, e.g. 32m, 1g')
    .option('--cpus <n>', 'CPU limit, e.g. 0.5')
    .option('--pids-limit <n>', 'process count limit (-1: none)')
    .option('--cap-add <cap>', 'add a Linux capability', many, [])
    .option('--cap-drop <cap>', 'drop a Linux capability', many, [])
    .option('--privileged', 'all capabilities and devices, /sys writable, no masked paths')
    .option('--read-only', 'mount the container\'s root filesystem read-only')
    .option('--entrypoint <cmd>', 'override the image\'s entrypoint ("" clears it)')
    .option('--ulimit <name=soft[:hard]>', 'set a resource limit', many, [])
    .option('--shm-size <size>', 'size of /dev/shm (default 64m)')
    .option('--rm', 'remove the container when it exits')
    .option('-i, --interactive', 'keep stdin open')
    .option('-t, --tty', 'allocate a terminal');
}

function int(text: string, what: string): number {
  if (!/^-?\d+$/.test(text)) throw invalid(`${what} "${text}" is not a whole number`);
  return Number(text);
}

/** specFromOptions — the ContainerSpec for IMAGE [CMD...] and the options. */
export function specFromOptions(image: string, cmd: string[], o: RunOpts): ContainerSpec {
  const envFiles = o.envFile.flatMap((f) => {
    let text: string;
    try { text = fs.readFileSync(f, 'utf8'); } catch (e) { throw new TsnetError('ENOTFOUND', `--env-file ${f}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`); }
    return parseEnvLines(text.split('\n'), (k) => process.env[k], `--env-file ${f}`);
  });
  const env = [...envFiles, ...parseEnvLines(o.env, (k) => process.env[k])];
  // Several --network flags (Docker 25+): the first is eth0 and takes --ip/--mac-address/--network-alias.
  const netTexts = [...o.network, ...o.net];
  const parsed = netTexts.map(parseNetworkMode);
  const mode = parsed[0]?.mode ?? { kind: 'networks' as const };
  if (parsed.length > 1 && parsed.some((p) => p.mode.kind !== 'networks')) {
    throw invalid(`--network ${netTexts.join(' --network ')}: host, none and container:X cannot be combined with other networks`);
  }
  let networks: NetworkEndpointSpec[] | undefined;
  if (mode.kind === 'networks') {
    const names = parsed.length > 0 ? parsed.map((p) => p.network!) : ['bridge'];
    networks = names.map((network, i) => (i === 0 ? { network, ip: o.ip, mac: o.macAddress, aliases: o.networkAlias } : { network }));
  } else if (o.ip !== undefined || o.macAddress !== undefined || o.networkAlias.length > 0) {
    throw invalid(`--ip, --mac-address and --network-alias need a network; --network ${netTexts[0]} has none of its own`);
  }
  return {
    image, name: o.name, cmd: cmd.length > 0 ? cmd : undefined,
    entrypoint: o.entrypoint === undefined ? undefined : o.entrypoint === '' ? [] : [o.entrypoint],
    env, workdir: o.workdir, user: o.user, hostname: o.hostname, tty: o.tty ?? false, interactive: o.interactive ?? false,
    volumes: o.volume.map(parseVolume), tmpfs: o.tmpfs.map(parseTmpfs), ports: o.publish,
    networkMode: mode, networks,
    dns: o.dns, dnsSearch: o.dnsSearch, dnsOptions: o.dnsOption, addHosts: o.addHost.map(parseAddHost),
    memory: o.memory === undefined ? undefined : parseSize(o.memory, '--memory'),
    cpus: o.cpus === undefined ? undefined : parseCpus(o.cpus),
    pidsLimit: o.pidsLimit === undefined ? undefined : int(o.pidsLimit, '--pids-limit'),
    capAdd: o.capAdd, capDrop: o.capDrop, privileged: o.privileged ?? false, readOnly: o.readOnly ?? false,
    ulimits: o.ulimit.map(parseUlimit), autoRemove: o.rm ?? false,
    shmSize: o.shmSize === undefined ? undefined : parseSize(o.shmSize, '--shm-size'),
  };
}
