/**
 * registry-commands — `tsnet pull|push|login|logout`: images to and from a registry v2,
 * with per-layer progress (bars on a terminal, plain lines otherwise, none with --quiet).
 */
import type { Command } from 'commander';
import { TsnetError } from '../core/errors.js';
import { load } from './load.js';
import { printResult } from './output.js';
import { imageJson } from './json-shapes.js';
import type { PulledImageJson, PushResultJson } from './json-schema.js';
import { progressRenderer } from './progress.js';
import { withImageGlobals, withImages, type ImageOpts } from './image-commands.js';
import { withGlobals } from './globals.js';

interface TransferOpts extends ImageOpts { insecure?: boolean; quiet?: boolean }
interface LoginOpts extends ImageOpts { username?: string; password?: string; passwordStdin?: boolean; insecure?: boolean }

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerRegistryCommands(program: Command): void {
  withImageGlobals(program.command('pull'))
    .description('download an image from a registry (layers 3 at a time, unpacked while they stream)')
    .argument('<ref>', 'NAME[:TAG][@DIGEST], e.g. 127.0.0.1:5000/busybox:latest')
    .option('--insecure', 'allow plain HTTP to a registry that is not on loopback')
    .option('-q, --quiet', 'print only the image reference')
    .addHelpText('after', '\nExamples:\n  tsnet pull 127.0.0.1:5000/busybox:latest\n  tsnet pull registry.lan:5000/app@sha256:... --insecure')
    .action(async (text: string, _o: TransferOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<TransferOpts>();
      const onProgress = progressRenderer(process.stdout, Boolean(opts.quiet || opts.json));
      const r = await withImages(opts, (s) => load.pull().pullImage(s, text, { insecure: opts.insecure, onProgress }));
      printResult(opts, { ...imageJson(r), reference: r.reference, digest: r.digest } satisfies PulledImageJson, opts.quiet ? r.reference : [`Digest: ${r.digest}`, `Image: ${r.id}`, r.reference]);
    });

  withImageGlobals(program.command('push'))
    .description('upload an image to a registry (blobs it has are skipped or mounted, not sent)')
    .argument('<ref>', 'NAME[:TAG] of a local image, naming the registry, e.g. 127.0.0.1:5000/busybox:latest')
    .option('--insecure', 'allow plain HTTP to a registry that is not on loopback')
    .option('-q, --quiet', 'print only the digest')
    .addHelpText('after', '\nExample:\n  tsnet tag busybox 127.0.0.1:5000/busybox && tsnet push 127.0.0.1:5000/busybox')
    .action(async (text: string, _o: TransferOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<TransferOpts>();
      const onProgress = progressRenderer(process.stdout, Boolean(opts.quiet || opts.json));
      const r = await withImages(opts, (s) => load.push().pushImage(s, text, { insecure: opts.insecure, onProgress }));
      const json: PushResultJson = { reference: r.reference, digest: r.digest, uploaded: r.uploaded, mounted: r.mounted, existed: r.existed };
      printResult(opts, json, opts.quiet ? r.digest : `${r.reference}: digest: ${r.digest} (${r.uploaded} uploaded, ${r.mounted} mounted, ${r.existed} already there)`);
    });

  withGlobals(program.command('login')) // credentials only: no --storage-driver
    .description('check and store credentials for a registry (ROOT/auth.json, mode 0600)')
    .argument('<registry>', 'registry host[:port]')
    .requiredOption('-u, --username <user>', 'user name')
    .option('-p, --password <password>', 'password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--insecure', 'allow plain HTTP to a registry that is not on loopback')
    .addHelpText('after', '\nExample:\n  echo secret | tsnet login 127.0.0.1:5000 -u alice --password-stdin')
    .action(async (registry: string, _o: LoginOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LoginOpts>();
      const password = opts.passwordStdin ? await readStdin() : opts.password;
      if (!password) throw new TsnetError('EINVAL', 'login needs a password: --password-stdin or -p');
      const credentials = { username: opts.username!, password };
      const { RegistryClient } = load.registryClient();
      const client = new RegistryClient(registry, { insecure: opts.insecure, credentials });
      const res = await client.request('GET', '/v2/', { scopes: [], ok: [200] });
      res.body.resume();
      await withImages(opts, (s) => load.credentials().saveCredentials(s.root, registry, credentials));
      printResult(opts, { registry }, 'Login Succeeded');
    });

  withGlobals(program.command('logout'))
    .description('forget the stored credentials for a registry')
    .argument('<registry>', 'registry host[:port]')
    .addHelpText('after', '\nExample:\n  tsnet logout 127.0.0.1:5000')
    .action(async (registry: string, _o: ImageOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      const removed = await withImages(opts, (s) => load.credentials().removeCredentials(s.root, registry));
      printResult(opts, { registry, removed }, removed ? `Removing login credentials for ${registry}` : `Not logged in to ${registry}`);
    });
}
