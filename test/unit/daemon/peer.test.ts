/** Who may use the daemon: root, or a member of the socket's group (supplementary groups: the e2e test). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowed } from '../../../src/daemon/peer.js';

test('root always; others only through the group, and never when there is no group', () => {
  assert.equal(allowed({ pid: process.pid, uid: 0, gid: 0 }, undefined), true);
  assert.equal(allowed({ pid: process.pid, uid: 1000, gid: 4242 }, undefined), false);
  assert.equal(allowed({ pid: process.pid, uid: 1000, gid: 4242 }, 4242), true, 'primary group');
  assert.equal(allowed({ pid: 2 ** 22 + 1, uid: 1000, gid: 100 }, 4242), false, 'a gone client has no groups');
});

