/**
 * An image as umoci builds it, end to end: `umoci new` + `repack` of a busybox rootfs (a
 * layer whose first entry is "."), then `umoci insert SRC /` (a layer whose first entry is
 * "/", carrying the root directory's mode and time), pushed to docker-registry by skopeo.
 * tsnet pulls it, mounts it, and runs a container of it (`tsnet run`, from a tsnet-t-*
 * host netns); the rootfs root has the mode the "/" entry gave it, in the mount and in
 * the container.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootSkip, sh, TestNetns } from '../../helpers/netns.js';
import { ok, TSNET_BIN } from '../../helpers/tsnet.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { busyboxRootfs } from '../../helpers/busybox.js';
import { skopeo, tsnetRoot } from '../../helpers/image-cli.js';

describe('an image built by umoci', { skip: rootSkip }, () => {
  let tmp: string;
  let reg: TestRegistry;
  const t = new TestNetns();
  before(async () => {
    tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-umoci-'));
    reg = await startRegistry(join(tmp, 'registry'));
  });
  after(async () => {
    t.cleanup();
    await reg?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('pull, mount and run it: "." and "/" entries, the root\'s mode from the "/" entry', () => {
    const layout = join(tmp, 'layout');
    const bundle = join(tmp, 'bundle');
    sh(['umoci', 'init', '--layout', layout]);
    sh(['umoci', 'new', '--image', `${layout}:t`]);
    sh(['umoci', 'unpack', '--image', `${layout}:t`, bundle]);
    busyboxRootfs(join(bundle, 'rootfs'));
    sh(['umoci', 'repack', '--image', `${layout}:t`, bundle]);
    const extra = join(tmp, 'extra');
    fs.mkdirSync(join(extra, 'etc'), { recursive: true });
    fs.writeFileSync(join(extra, 'etc/motd'), 'built by umoci\n');
    fs.chmodSync(extra, 0o751);
    sh(['umoci', 'insert', '--image', `${layout}:t`, extra, '/']);
    const lastLayer = (JSON.parse(sh(['umoci', 'stat', '--image', `${layout}:t`, '--json'])) as { history: unknown[] }).history.length;
    assert.ok(lastLayer >= 2);
    const ref = `${reg.host}/umoci/busybox:1`;
    skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:t`, `docker://${ref}`]);

    const root = join(tmp, 'root');
    ok(tsnetRoot(root, ['pull', '-q', ref]));
    const dir = join(tmp, 'c1');
    const rootfs = ok(tsnetRoot(root, ['mount', ref, dir])).stdout.trim();
    try {
      assert.equal((fs.statSync(rootfs).mode & 0o777).toString(8), '751', 'the "/" entry set the root directory');
      assert.equal(fs.readFileSync(join(rootfs, 'etc/motd'), 'utf8'), 'built by umoci\n');
    } finally {
      ok(tsnetRoot(root, ['umount', dir]));
    }
    // The registry is on the machine's loopback, the container runs from a host netns of the test's own.
    const host = t.make('host');
    const r = spawnSync('nsenter', [`--net=/run/netns/${host}`, TSNET_BIN, 'run', '--root', root, '--rm', '--network', 'none', ref,
      'sh', '-c', 'cat /etc/motd; stat -c %a /; ls /bin/busybox; echo written > /tmp/w; cat /tmp/w'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'built by umoci\n751\n/bin/busybox\nwritten\n');
  });
});
