/**
 * main — tsnet-cni, the CNI plugin (spec 0.3.0 to 1.1.0): reads the command from the
 * environment and the config from stdin, runs it against the tsnet state root the config
 * (`root`) or TSNET_ROOT names, and answers as libcni expects (interfaces.md 1.2): a result
 * on stdout for ADD and VERSION, nothing for the rest, and on failure the error object on
 * stdout with exit status 1; logs only on stderr. VERSION loads nothing else (libcni runs it
 * on every plugin each time podman loads its networks). The bundle dist/tsnet-cni.cjs
 * (scripts/bundle.mjs) starts here; the daemon serves it too (runCni with the client's stdio).
 */
import { CNI_CODE, CniError, errorJson, toCniError } from './errors.js';
import { commandOf, type CniCommand } from './env.js';
import { atLeast, checkVersion, formatResult, LATEST_VERSION, SUPPORTED_VERSIONS } from './version.js';

export interface CniIo {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The most stdin tsnet reads: a conflist entry with a prevResult is a few KiB. */
const MAX_STDIN = 1 << 20;

/* tsnet-lint-disable no-require -- each CNI command loads only the modules it uses (a plugin is spawned per call) */
const load = {
  config: () => require('./config.js') as typeof import('./config.js'),
  env: () => require('./env.js') as typeof import('./env.js'),
  context: () => require('./context.js') as typeof import('./context.js'),
  add: () => require('./add.js') as typeof import('./add.js'),
  del: () => require('./del.js') as typeof import('./del.js'),
  check: () => require('./check.js') as typeof import('./check.js'),
  gc: () => require('./gc.js') as typeof import('./gc.js'),
};
/* tsnet-lint-enable no-require */

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (b: Buffer | string) => {
      const buf = typeof b === 'string' ? Buffer.from(b) : b;
      size += buf.length;
      if (size > MAX_STDIN) { reject(new CniError(CNI_CODE.ioFailure, 'I/O failure', `stdin is larger than ${MAX_STDIN} bytes`)); return; }
      chunks.push(buf);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', (e: Error) => reject(new CniError(CNI_CODE.ioFailure, 'I/O failure', `reading stdin: ${e.message}`)));
  });
}

/** versionReply — VERSION: the versions tsnet speaks; cniVersion echoes the caller's when it is one of them. */
function versionReply(stdin: string): Record<string, unknown> {
  let asked: unknown;
  try { asked = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion; } catch { /* old runtimes send nothing */ }
  const cniVersion = typeof asked === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(asked) ? asked : LATEST_VERSION;
  return { cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] };
}

/** MIN_VERSION — the first config version that allows each command (skel refuses older ones). */
const MIN_VERSION: Partial<Record<CniCommand, string>> = { CHECK: '0.4.0', GC: '1.1.0', STATUS: '1.1.0' };

/** runCni — one invocation; returns the exit status. Never throws. */
export async function runCni(io: CniIo): Promise<number> {
  let version = LATEST_VERSION;
  const write = (o: unknown): void => { io.stdout.write(`${JSON.stringify(o)}\n`); };
  try {
    if (!io.env['CNI_COMMAND']) {
      io.stderr.write(`tsnet CNI plugin: CNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}\n`);
      return 0;
    }
    const command = commandOf(io.env);
    const stdin = await readAll(io.stdin);
    if (command === 'VERSION') {
      write(versionReply(stdin));
      return 0;
    }
    const { parseJson, parseConfig } = load.config();
    const raw = parseJson(stdin);
    if (typeof raw['cniVersion'] === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(raw['cniVersion'])) version = raw['cniVersion'];
    checkVersion(raw['cniVersion']);
    const min = MIN_VERSION[command];
    if (min && !atLeast(version, min)) {
      throw new CniError(CNI_CODE.incompatibleVersion, 'incompatible CNI versions', `config version ${version} does not allow ${command} (needs ${min} or later)`);
    }
    const env = load.env().parseEnv(io.env);
    const conf = parseConfig(raw);
    const call = { env, conf, stdin, procEnv: io.env, stderr: io.stderr };
    const root = conf.root ?? io.env['TSNET_ROOT'];
    const result = await load.context().withCniContext(root, async (ctx) => {
      switch (command) {
        case 'ADD': return load.add().cniAdd(ctx, call);
        case 'DEL': return load.del().cniDel(ctx, call);
        case 'CHECK': return load.check().cniCheck(ctx, call);
        case 'GC': return load.gc().cniGc(ctx, call);
        case 'STATUS': return load.gc().cniStatus(ctx, call);
      }
      return undefined;
    });
    if (command === 'ADD' && result) write(formatResult(version, result));
    return 0;
  } catch (e) {
    const err = toCniError(e);
    write(errorJson(err, version));
    if (io.env['TSNET_DEBUG'] === '1') io.stderr.write(`tsnet-cni: error ${err.code}: ${err.message}\n${(e as Error).stack ?? ''}\n`);
    return 1;
  }
}

/** main — the process entry (bin/tsnet-cni.js). */
export async function main(): Promise<number> {
  return runCni({ env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
}
