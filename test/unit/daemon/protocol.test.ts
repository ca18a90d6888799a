/** The daemon's wire format: frames split anywhere, the hello both ways, bad input refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHello, encodeFrame, encodeHello, FRAME, FrameReader, MAX_FRAME, PROTOCOL, type Hello } from '../../../src/daemon/protocol.js';

const hello: Hello = {
  protocol: PROTOCOL, prog: 'tsnet', cwd: '/tmp/a dir', netns: '4:4026531840',
  tty: { stdin: false, stdout: true, stderr: true }, columns: 120, rows: 40,
  argv: ['attach', 'br0', 'web', '10.0.0.2/24', '', 'ünï'], env: { TSNET_ROOT: '/x', CNI_ARGS: 'A=1;B=2', EMPTY: '' },
};

test('a hello survives encoding, empty and non-ASCII arguments included', () => {
  assert.deepEqual(decodeHello(encodeHello(hello)), hello);
});

test('frames are reassembled however the stream is cut', () => {
  const bytes = Buffer.concat([encodeFrame(FRAME.hello, encodeHello(hello)), encodeFrame(FRAME.stdin, 'abc'), encodeFrame(FRAME.stdin)]);
  for (const cut of [1, 3, 5, 7, 64]) {
    const reader = new FrameReader();
    const frames = [];
    for (let i = 0; i < bytes.length; i += cut) frames.push(...reader.push(bytes.subarray(i, i + cut)));
    assert.deepEqual(frames.map((f) => [String.fromCharCode(f.type), f.payload.length]), [['H', encodeHello(hello).length], ['I', 3], ['I', 0]]);
  }
});

test('an oversized frame is refused before it is buffered', () => {
  const head = Buffer.from([FRAME.stdout, 0, 0, 0, 0]);
  head.writeUInt32BE(MAX_FRAME + 1, 1);
  assert.throws(() => new FrameReader().push(head), /over the 1048576-byte limit/);
});

test('malformed hellos are refused with a reason', () => {
  const fields = (f: string[]): Buffer => Buffer.from(f.map((x) => `${x}\0`).join(''));
  const base = [PROTOCOL, 'tsnet', '/', '4:1', '000', '80 24'];
  assert.throws(() => decodeHello(Buffer.from('x')), /not NUL-terminated/);
  assert.throws(() => decodeHello(fields(base)), /too few fields/);
  assert.throws(() => decodeHello(fields([...base.slice(0, 4), '2', '80 24', '0'])), /bad tty flags/);
  assert.throws(() => decodeHello(fields([...base.slice(0, 5), 'wide', '0'])), /bad terminal size/);
  assert.throws(() => decodeHello(fields([...base, '3', 'a'])), /argc 3 but only 1/);
  assert.throws(() => decodeHello(fields([...base, '0', 'NOEQUALS'])), /without NAME=/);
});
