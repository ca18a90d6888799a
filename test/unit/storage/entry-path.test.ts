import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { entryPath, whiteoutOf } from '../../../src/storage/entry-path.js';
import { paxRecords } from '../../../src/storage/tar-header.js';
import { assertInvalid } from '../../helpers/assert.js';

describe('layer entry names', () => {
  test('normalised', () => {
    assert.equal(entryPath('./usr/bin/'), 'usr/bin');
    assert.equal(entryPath('a//b/./c'), 'a/b/c');
    assert.equal(entryPath('./'), '');
  });
  test('absolute names and the root entry, as umoci and others write them, land inside the rootfs', () => {
    assert.equal(entryPath('/'), '');
    assert.equal(entryPath('.'), '');
    assert.equal(entryPath('/etc/passwd'), 'etc/passwd');
    assert.equal(entryPath('//usr/./lib/'), 'usr/lib');
    assert.equal(entryPath('a/b/../c'), 'a/c');
    assert.equal(entryPath('/a/../b'), 'b');
  });
  test('a name that climbs above the rootfs is refused', () => {
    assertInvalid(() => entryPath('a/../../x'), '"a/../../x" climbs out of the rootfs');
    assertInvalid(() => entryPath('..'), 'climbs out of the rootfs');
    assertInvalid(() => entryPath('/../etc/passwd'), 'climbs out of the rootfs');
    assertInvalid(() => entryPath('a\0b'), 'NUL');
  });
  test('whiteouts', () => {
    assert.deepEqual(whiteoutOf('etc/.wh.motd'), { kind: 'file', path: 'etc/motd' });
    assert.deepEqual(whiteoutOf('.wh.top'), { kind: 'file', path: 'top' });
    assert.deepEqual(whiteoutOf('usr/lib/.wh..wh..opq'), { kind: 'opaque', dir: 'usr/lib' });
    assert.deepEqual(whiteoutOf('.wh..wh..opq'), { kind: 'opaque', dir: '' });
    assert.equal(whiteoutOf('etc/motd'), undefined);
    assertInvalid(() => whiteoutOf('a/.wh.'), 'names nothing');
    assertInvalid(() => whiteoutOf('a/.wh...'), 'names nothing');
  });
});

describe('pax xattrs', () => {
  const record = (key: string, value: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    return Buffer.concat([Buffer.from(String(len)), body]);
  };
  test('binary values survive bytewise; other keys ignored', () => {
    const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0xff, 0x80, 0x0a, 0x3d]);
    const buf = Buffer.concat([record('path', Buffer.from('bin/ping')), record('SCHILY.xattr.security.capability', cap), record('SCHILY.xattr.user.n', Buffer.from('é'))]);
    const x = paxRecords(buf).xattrs;
    assert.deepEqual([...x.keys()], ['security.capability', 'user.n']);
    assert.deepEqual(x.get('security.capability'), cap);
    assert.equal(x.get('user.n')!.toString('utf8'), 'é');
  });
  test('truncated or malformed records are an error (as Go\'s reader has it), not silently dropped', () => {
    assert.throws(() => paxRecords(Buffer.from('99 SCHILY.xattr.a=b\n')), /invalid pax/);
    assert.throws(() => paxRecords(Buffer.from('garbage')), /invalid pax/);
  });
});
