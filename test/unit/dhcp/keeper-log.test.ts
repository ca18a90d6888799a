/**
 * The keeper log against a chatty or hostile segment: every message is one line (control
 * characters from packets escaped), and past its cap the file is rotated to .1, so the
 * disk it takes stays under twice the cap however much is written.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeeperLog, oneLine } from '../../../src/dhcp/keeper-log.js';

describe('keeper log', () => {
  const dir = fs.mkdtempSync(join(tmpdir(), 'tsnet-t-keeperlog-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('size-capped and rotated: 2000 messages into a 4 KiB log keep at most 8 KiB on disk', () => {
    const path = join(dir, 'dhcp-keeper.log');
    const log = new KeeperLog(path, 4096);
    for (let i = 0; i < 2000; i++) log.write(`server lab: OFFER 10.0.0.${i % 250} to 02:00:00:00:00:${(i % 100).toString(16)} (host${i})`);
    const size = (p: string): number => fs.statSync(p).size;
    assert.ok(size(path) <= 4096 && size(`${path}.1`) <= 4096, `${size(path)} + ${size(`${path}.1`)} bytes`);
    assert.match(fs.readFileSync(path, 'utf8'), /host1999\)\n$/, 'the newest message is in the live file');
    // A keeper restarted on a full log rotates on its next write instead of growing it.
    fs.appendFileSync(path, 'x'.repeat(4096 - size(path)));
    new KeeperLog(path, 4096).write('after restart');
    assert.equal(fs.readFileSync(path, 'utf8').split('\n').filter(Boolean).length, 1);
  });

  test('a hostname with newlines and escapes cannot forge a line', () => {
    const path = join(dir, 'forge.log');
    const log = new KeeperLog(path);
    log.write(`server lab: ACK 10.0.0.5 to ${oneLine('evil\n2026-01-01T00:00:00.000Z server lab: ACK 10.0.0.9\r\x1b[2J')}`);
    log.write('server lab: raw \n newline in a message');
    const lines = fs.readFileSync(path, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 2);
    for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT[\d:.]+Z server lab: /);
    assert.match(lines[0]!, /evil\\x0a2026-01-01T00:00:00\.000Z server lab: ACK 10\.0\.0\.9\\x0d\\x1b\[2J$/);
  });
});
