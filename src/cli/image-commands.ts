/**
 * image-commands — `tsnet import|images|tag|rmi|mount|umount|pull|push|login|logout|save|load`:
 * the image graph as Docker users know it. Each command opens an ImageStore over the
 * state root and calls the engine in src/images.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { TsnetError } from '../core/errors.js';
import type { ImageStore } from '../images/image-store.js';
import type { ImageRecord } from '../state/images.js';
import { withGlobals } from './globals.js';
import { checkListing, printListing, withListingOptions, type ListingOpts } from './listing.js';
import { LISTING_FIELDS } from './listing-fields.js';
import { load } from './load.js';
import { withContext } from './with-context.js';
import { printResult, printWarnings, table, type GlobalOpts } from './output.js';
import { ago, humanSize } from './image-format.js';
import { imageJson } from './json-shapes.js';
import { forEachArgument } from './multi.js';
import type { ImageRemovalJson, RootfsMountJson } from './json-schema.js';

export interface ImageOpts extends GlobalOpts { storageDriver?: string }

/** withImageGlobals — the global options plus --storage-driver. */
export function withImageGlobals(cmd: Command): Command {
  return withGlobals(cmd).addOption(new Option('--storage-driver <name>', 'graph driver: overlay or vfs (default: probe)').env('TSNET_STORAGE_DRIVER'));
}

/** withImages — an ImageStore over the state root for the duration of fn. */
export function withImages<T>(opts: ImageOpts, fn: (store: ImageStore) => Promise<T> | T): Promise<T> {
  if (opts.storageDriver) load.storageDriver().parseDriverName(opts.storageDriver);
  return withContext(opts, (ctx) => {
    const { ImageStore } = load.imageStore();
    return fn(new ImageStore({ root: ctx.root, db: ctx.db, storageDriver: opts.storageDriver }));
  });
}

function imageRows(images: ImageRecord[]): string[] {
  const { familiarName } = load.reference();
  const rows: string[][] = [];
  for (const img of images) {
    const id = img.id.slice(7, 19);
    const tail = [id, ago(img.created), humanSize(img.size)];
    if (img.tags.length === 0) rows.push(['<none>', '<none>', ...tail]);
    for (const t of img.tags) {
      const colon = t.lastIndexOf(':');
      rows.push([familiarName(t.slice(0, colon)), t.slice(colon + 1), ...tail]);
    }
  }
  return table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows);
}

export function registerImageCommands(program: Command): void {
  withImageGlobals(program.command('import'))
    .description('make a one-layer image from a rootfs tar (plain or gzip)')
    .argument('<tarball>', 'rootfs tar file')
    .argument('<name>', 'NAME[:TAG] for the image')
    .addHelpText('after', '\nExample:\n  tsnet import rootfs.tar busybox:latest')
    .action(async (file: string, name: string, _o: ImageOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      const img = await withImages(opts, (s) => load.imageImport().importRootfs(s, file, name));
      printResult(opts, imageJson(img), img.id);
    });

  withListingOptions(withImageGlobals(program.command('images')), { quiet: 'only image ids (short)' })
    .description('list images: repository, tag, short id, created, size')
    .addHelpText('after', "\nExamples:\n  tsnet images --json\n  tsnet images -q\n  tsnet images --format '{{.Id}} {{join .Tags \",\"}}'")
    .action(async (_o: ImageOpts & ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts & ListingOpts>();
      checkListing(opts, LISTING_FIELDS.image);
      const all = await withImages(opts, (s) => s.repo.all());
      printListing(opts, all.map(imageJson), () => imageRows(all), { quiet: (i) => i.id.slice(7, 19), quietJson: (i) => i.id, fields: LISTING_FIELDS.image });
    });

  withImageGlobals(program.command('tag'))
    .description('give an image another name')
    .argument('<source>', 'image name, id or id prefix')
    .argument('<target>', 'new NAME[:TAG]')
    .addHelpText('after', '\nExample:\n  tsnet tag busybox 127.0.0.1:5000/busybox:1')
    .action(async (source: string, target: string, _o: ImageOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      const name = await withImages(opts, (s) => s.tag(source, target));
      printResult(opts, { name }, []);
    });

  withImageGlobals(program.command('rmi'))
    .description('remove images; layers other images use stay')
    .argument('<images...>', 'image names, ids or id prefixes')
    .option('-f, --force', 'remove an image even when it has several tags')
    .addHelpText('after', '\nExample:\n  tsnet rmi busybox')
    .action(async (names: string[], o: { force?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      const { familiarName } = load.reference();
      // Every name is tried, as docker rmi does; one line per thing removed, errors on stderr.
      await withImages(opts, (s) => forEachArgument(opts, names, async (n) => s.remove(n, o.force), (_n, r) => [
        ...r.untagged.map((t) => `Untagged: ${familiarName(t.slice(0, t.lastIndexOf(':')))}${t.slice(t.lastIndexOf(':'))}`),
        ...(r.deleted ? [`Deleted: ${r.deleted}`] : []),
        ...r.layers.map((l) => `Deleted layer: ${l}`),
      ].join('\n'), (name, r, e): ImageRemovalJson => ({
        name, untagged: r?.untagged ?? [], deleted: r?.deleted ?? null, layers: r?.layers ?? [], error: e?.error ?? null, code: e?.code ?? null,
      })));
    });

  withImageGlobals(program.command('save'))
    .description('write images to a tar: docker-archive (default) or OCI layout')
    .argument('<images...>', 'image names, ids or id prefixes')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--format <format>', 'docker or oci', 'docker')
    .addHelpText('after', '\nExamples:\n  tsnet save -o busybox.tar busybox\n  tsnet save --format oci busybox | skopeo inspect oci-archive:/dev/stdin')
    .action(async (names: string[], o: { output?: string; format: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      const { parseArchiveFormat, saveImages } = load.save();
      const format = parseArchiveFormat(o.format);
      if (!o.output && process.stdout.isTTY) throw new TsnetError('EINVAL', 'refusing to write an archive to a terminal: use -o FILE or a pipe');
      await withImages(opts, async (s) => {
        if (!o.output) return saveImages(s, names, format, process.stdout);
        // Written to an exclusive (O_CREAT|O_EXCL), unpredictable temp name next to the
        // file, then renamed over it: in a world-writable directory nobody can plant a
        // symlink or file there for root to write through.
        const tmp = join(dirname(o.output), `.${basename(o.output)}.tsnet-${randomBytes(8).toString('hex')}`);
        try {
          await saveImages(s, names, format, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
          fs.renameSync(tmp, o.output);
        } finally {
          fs.rmSync(tmp, { force: true });
        }
      });
    });

  withImageGlobals(program.command('load'))
    .description('read images from a docker-archive or OCI-layout tar')
    .option('-i, --input <file>', 'read this file instead of stdin')
    .addHelpText('after', '\nExample:\n  tsnet load -i busybox.tar')
    .action(async (o: { input?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      if (o.input && !fs.existsSync(o.input)) throw new TsnetError('ENOTFOUND', `no archive ${o.input}`);
      const input = o.input ? fs.createReadStream(o.input) : process.stdin;
      const images = await withImages(opts, (s) => load.loadArchive().loadArchive(s, input));
      printResult(opts, images.map(imageJson), images.flatMap((i) => (i.tags.length ? i.tags.map((t) => `Loaded image: ${t}`) : [`Loaded image ID: ${i.id}`])));
    });

  withImageGlobals(program.command('mount'))
    .description("make a writable rootfs of an image under DIR (overlay of the image's layers plus DIR/upper, or a vfs copy)")
    .argument('<image>', 'image name, id or id prefix')
    .argument('<dir>', 'directory for the rootfs and its upper/work dirs; made root-only (0700)')
    .option('--suid-dev', "honour the image's setuid bits and device nodes (mounted nosuid,nodev otherwise)")
    .addHelpText('after', '\nExample:\n  tsnet mount busybox /tmp/c1 && ls /tmp/c1/merged')
    .action(async (image: string, dir: string, o: { suidDev?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      const r = await withImages(opts, (s) => s.mountRootfs(image, dir, { suidDev: o.suidDev }));
      if (o.suidDev) printWarnings([`${r.path} honours the image's setuid binaries and device nodes (--suid-dev); only root can reach it, keep it that way`]);
      printResult(opts, { image: r.image, path: r.path, driver: r.driver } satisfies RootfsMountJson, r.path);
    });

  withImageGlobals(program.command('umount'))
    .description('undo tsnet mount and remove DIR')
    .argument('<dir>', 'the directory given to tsnet mount')
    .addHelpText('after', '\nExample:\n  tsnet umount /tmp/c1')
    .action(async (dir: string, _o: ImageOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      await withImages(opts, (s) => s.unmountRootfs(dir));
      printResult(opts, { dir }, []);
    });
}
