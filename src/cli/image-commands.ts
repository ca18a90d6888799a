/**
 * image-commands — `tsnet import|images|tag|rmi|mount|umount|pull|push|login|logout|save|load`:
 * the image graph as Docker users know it. Each command opens an ImageStore over the
 * state root and calls the engine in src/images.
 */
import { Option, type Command } from 'commander';
import type { ImageStore } from '../images/image-store.js';
import type { ImageRecord } from '../state/images.js';
import { withGlobals } from './globals.js';
import { load } from './load.js';
import { withContext } from './with-context.js';
import { printResult, table, type GlobalOpts } from './output.js';
import { ago, humanSize } from './image-format.js';

export interface ImageOpts extends GlobalOpts { storageDriver?: string }

/** withImageGlobals — the global options plus --storage-driver. */
export function withImageGlobals(cmd: Command): Command {
  return withGlobals(cmd).addOption(new Option('--storage-driver <name>', 'graph driver: overlay or vfs (default: probe)').env('TSNET_STORAGE_DRIVER'));
}

/** withImages — an ImageStore over the state root for the duration of fn. */
export function withImages<T>(opts: ImageOpts, fn: (store: ImageStore) => Promise<T> | T): Promise<T> {
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
      printResult(opts, img, img.id);
    });

  withImageGlobals(program.command('images'))
    .description('list images: repository, tag, short id, created, size')
    .addHelpText('after', '\nExample:\n  tsnet images --json')
    .action(async (_o: ImageOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      const all = await withImages(opts, (s) => s.repo.all());
      printResult(opts, all, imageRows(all));
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
      const results = await withImages(opts, (s) => names.map((n) => s.remove(n, o.force)));
      const { familiarName } = load.reference();
      printResult(opts, results, results.flatMap((r) => [
        ...r.untagged.map((t) => `Untagged: ${familiarName(t.slice(0, t.lastIndexOf(':')))}${t.slice(t.lastIndexOf(':'))}`),
        ...(r.deleted ? [`Deleted: ${r.deleted}`] : []),
        ...r.layers.map((l) => `Deleted layer: ${l}`),
      ]));
    });

  withImageGlobals(program.command('mount'))
    .description("make a writable rootfs of an image under DIR (overlay of the image's layers plus DIR/upper, or a vfs copy)")
    .argument('<image>', 'image name, id or id prefix')
    .argument('<dir>', 'directory for the rootfs and its upper/work dirs')
    .addHelpText('after', '\nExample:\n  tsnet mount busybox /tmp/c1 && ls /tmp/c1/merged')
    .action(async (image: string, dir: string, _o: ImageOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ImageOpts>();
      const r = await withImages(opts, (s) => s.mountRootfs(image, dir));
      printResult(opts, r, r.path);
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
