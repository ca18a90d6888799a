/** What a command served by the daemon sees of its client's environment. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandEnv } from '../../../src/daemon/client-env.js';

test("the daemon's environment, minus tsnet's own, plus the client's allowed names", () => {
  const env = commandEnv({ PATH: '/bin', TSNET_ROOT: '/daemon', HOME: '/root', SECRET: 'd' }, { TSNET_DEBUG: '1', CNI_COMMAND: 'ADD', SECRET: 'c', HOME: '/home/u' });
  assert.deepEqual(env, { PATH: '/bin', SECRET: 'd', TSNET_DEBUG: '1', CNI_COMMAND: 'ADD', HOME: '/home/u' });
});

test("a client's test hooks count only in a daemon started with them on", () => {
  const client = { TSNET_TEST_HOOKS: '1', TSNET_KILL_AT: 'attach:done' };
  assert.equal(commandEnv({ PATH: '/bin' }, client)['TSNET_TEST_HOOKS'], undefined, 'a production daemon: off');
  assert.equal(commandEnv({ PATH: '/bin', TSNET_TEST_HOOKS: '1' }, client)['TSNET_TEST_HOOKS'], '1');
  assert.equal(commandEnv({ PATH: '/bin', TSNET_TEST_HOOKS: '1' }, {})['TSNET_TEST_HOOKS'], undefined, "the daemon's own stays its own");
});
