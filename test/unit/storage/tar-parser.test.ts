/**
 * The layer tar push parser against hand-made blocks and tar-stream's packer: members and
 * data independent of how the bytes are split, pax and GNU long names, raw xattrs, pax
 * globals ignored, data-less member types, base-256 and signed-checksum headers (as Go
 * writes and reads them), and each way a stream can end early or lie.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeader, paxRecords } from '../../../src/storage/tar-header.js';
import { TarParser } from '../../../src/storage/tar-parser.js';
import { craftTar } from '../../helpers/tree.js';

interface Member { name: string; type: string; size: number; uid: number; mtime: number; linkname: string | null; data: string; xattrs: Record<string, string> }

/** parse — feeds `tar` to a parser in pieces of `split` bytes; the members it saw. */
function parse(tar: Buffer, split = tar.length): Member[] {
  const out: Member[] = [];
  const p = new TarParser({
    entry: (h, x) => out.push({ name: h.name, type: h.type, size: h.size, uid: h.uid, mtime: h.mtime.getTime(), linkname: h.linkname, data: '', xattrs: Object.fromEntries([...x].map(([k, v]) => [k, v.toString('hex')])) }),
    data: (c) => { out[out.length - 1]!.data += c.toString('latin1'); },
    entryEnd: () => undefined,
  });
  for (let off = 0; off < tar.length; off += split) p.push(tar.subarray(off, off + split));
  p.end();
  return out;
}

/** block — one header block written by hand (ustar), with a correct checksum. */
function block(f: { name: string; type?: string; size?: number | Buffer; mode?: string; uid?: string; magic?: string; linkname?: string }): Buffer {
  const b = Buffer.alloc(512);
  b.write(f.name, 0);
  b.write(f.mode ?? '0000644\0', 100);
  b.write(f.uid ?? '0000000\0', 108);
  b.write('0000000\0', 116);
  if (Buffer.isBuffer(f.size)) f.size.copy(b, 124);
  else b.write(`${(f.size ?? 0).toString(8).padStart(11, '0')}\0`, 124);
  b.write('00000000000\0', 136);
  b.write(f.type ?? '0', 156);
  if (f.linkname) b.write(f.linkname, 157);
  b.write(f.magic ?? 'ustar\x0000', 257, 'latin1');
  b.write('        ', 148);
  let sum = 0;
  for (const c of b) sum += c;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return b;
}
const pad = (s: string | Buffer): Buffer => { const d = Buffer.from(s); return Buffer.concat([d, Buffer.alloc((512 - (d.length % 512)) % 512)]); };
const END = Buffer.alloc(1024);
const pax = (records: [string, string | Buffer][]): Buffer => Buffer.concat(records.map(([k, v]) => {
  const body = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}));

describe('tar parser', () => {
  test('members and their data do not depend on how the bytes are split', async () => {
    const tar = await craftTar([
      { name: 'd/', type: 'directory' }, { name: 'd/f', body: 'x'.repeat(1500) }, { name: 'l', type: 'symlink', linkname: 'd/f' },
      { name: `${'n'.repeat(120)}/${'m'.repeat(120)}`, body: 'long' }, { name: 'h', type: 'link', linkname: 'd/f' }, { name: 'empty', body: '' },
    ]);
    const whole = parse(tar);
    assert.deepEqual(whole.map((m) => [m.name, m.type, m.data.length]), [
      ['d/', 'directory', 0], ['d/f', 'file', 1500], ['l', 'symlink', 0], [`${'n'.repeat(120)}/${'m'.repeat(120)}`, 'file', 4], ['h', 'link', 0], ['empty', 'file', 0],
    ]);
    for (const split of [1, 7, 511, 512, 513, 4096]) assert.deepEqual(parse(tar, split), whole, `split ${split}`);
  });

  test('pax records: path, size, uid, mtime apply to the next member; xattrs kept as raw bytes; globals ignored', () => {
    const cap = Buffer.from([1, 0, 0, 2, 0xff, 0x20, 0, 0]);
    const tar = Buffer.concat([
      block({ name: 'g', type: 'g', size: pax([['path', 'global-name'], ['uid', '99']]).length }), pad(pax([['path', 'global-name'], ['uid', '99']])),
      block({ name: 'p', type: 'x', size: pax([['path', 'é/long'], ['uid', '4000000'], ['mtime', '1700000000.5'], ['SCHILY.xattr.security.capability', cap]]).length }),
      pad(pax([['path', 'é/long'], ['uid', '4000000'], ['mtime', '1700000000.5'], ['SCHILY.xattr.security.capability', cap]])),
      block({ name: 'short', size: 3 }), pad('abc'),
      block({ name: 'next', size: 0 }), END,
    ]);
    const [m, next] = parse(tar);
    assert.deepEqual([m!.name, m!.uid, m!.mtime, m!.data, m!.xattrs], ['é/long', 4000000, 1700000000500, 'abc', { 'security.capability': cap.toString('hex') }]);
    assert.deepEqual([next!.name, next!.uid, next!.xattrs], ['next', 0, {}], 'pax applies to one member only; the global one to none');
  });

  test('GNU long names and links; data-less types skip their size; base-256 sizes; signed checksums', () => {
    const long = `${'a'.repeat(200)}/file`;
    const big = Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
    const signed = block({ name: 'caf\u00e9', size: 1 });
    // Go and old tars may sum the header bytes as signed chars: recompute that way.
    signed.write('        ', 148);
    let sum = 0;
    for (const c of signed) sum += (c << 24) >> 24;
    signed.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const tar = Buffer.concat([
      block({ name: '././@LongLink', type: 'L', size: long.length + 1 }), pad(`${long}\0`),
      block({ name: 'x', type: 'K', size: 300 }), pad(`${'t'.repeat(299)}\0`),
      block({ name: 'trunc', type: '2', size: 700, linkname: 'short' }),
      block({ name: 'b256', size: big }), pad('hello'),
      signed, pad('s'),
      END,
    ]);
    const ms = parse(tar);
    assert.deepEqual(ms.map((m) => [m.name, m.type, m.linkname?.length ?? 0, m.data]), [[long, 'symlink', 299, ''], ['b256', 'file', 0, 'hello'], ['café', 'file', 0, 's']]);
  });

  test('an archive may end after the last data, without padding or zero blocks (umoci insert)', () => {
    const tar = Buffer.concat([block({ name: 'a', size: 600 }), pad('x'.repeat(600)), block({ name: 'b', size: 2 }), pad('hi')]);
    assert.equal(parse(tar.subarray(0, 512 + 1024 + 512 + 2)).length, 2);
    assert.equal(parse(tar.subarray(0, 512 + 1024)).length, 1, 'at a header boundary');
    assert.deepEqual(parse(Buffer.alloc(0)), []);
  });

  test('what follows two zero blocks is not read', () => {
    assert.equal(parse(Buffer.concat([block({ name: 'a', size: 0 }), END, Buffer.from('garbage')])).length, 1);
  });

  const broken: [string, Buffer, RegExp][] = [
    ['cut inside data', Buffer.concat([block({ name: 'a', size: 600 }), Buffer.alloc(100)]), /truncated/],
    ['cut inside a header', Buffer.concat([block({ name: 'a', size: 0 }), Buffer.alloc(100, 1)]), /truncated/],
    ['a bad checksum', Buffer.from(block({ name: 'a' }).fill(0x41, 0, 10)), /bad checksum/],
    ['a non-octal size', block({ name: 'a', size: Buffer.from('12x45678901\0') }), /bad size field/],
    ['a negative base-256 size', block({ name: 'a', size: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]) }), /bad size field/],
    ['a pax member with nothing after it', Buffer.concat([block({ name: 'p', type: 'x', size: pax([['path', 'x']]).length }), pad(pax([['path', 'x']]))]), /not followed by its member/],
    ['a pax member too large to hold', block({ name: 'p', type: 'x', size: 5 << 20 }), /larger than/],
    ['a malformed pax record', Buffer.concat([block({ name: 'p', type: 'x', size: 9 }), pad('99 path=x'), END]), /invalid pax/],
    ['one zero block, then more', Buffer.concat([Buffer.alloc(512), block({ name: 'a' })]), /single zero block/],
  ];
  for (const [what, tar, message] of broken) {
    test(`refused: ${what}`, () => assert.throws(() => parse(tar), message));
  }

  test('header fields: octal with spaces, unknown types named, a "\\0" type with a trailing slash is a directory', () => {
    assert.equal(decodeHeader(block({ name: 'a', mode: ' 755 \0\0\0' })).mode, 0o755);
    assert.equal(decodeHeader(block({ name: 'a', type: 'S' })).type, 'unknown ("S")');
    assert.equal(decodeHeader(block({ name: 'old/', type: '\0', magic: '\0\0\0\0\0\0\0\0' })).type, 'directory');
    assert.equal(decodeHeader(block({ name: 'file/', type: '0' })).type, 'file');
    const junk = (type: string): Buffer => {
      const b = block({ name: 'v7', type });
      b.write('garbage!', 329, 'latin1');
      b.write('        ', 148);
      let sum = 0;
      for (const c of b) sum += c;
      b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
      return b;
    };
    assert.equal(decodeHeader(junk('0')).devmajor, 0, 'device fields of a non-device are not read');
    assert.throws(() => decodeHeader(junk('3')), /bad devmajor field/, 'but a device needs them');
    assert.deepEqual([...paxRecords(pax([['a', '1'], ['SCHILY.xattr.user.x', Buffer.from([0, 0xff])]])).xattrs], [['user.x', Buffer.from([0, 0xff])]]);
  });
});
