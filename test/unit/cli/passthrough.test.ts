/**
 * passthrough.test — when progress may redraw; which words of `tsnet route|rule|tc GUEST ...` are tsnet's, and how
 * ip's and tc's failures become one classed line.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { splitPassthrough } from '../../../src/cli/passthrough.js';
import { toolArgv, toolError } from '../../../src/attach/guest-commands.js';
import { redrawable } from '../../../src/cli/progress.js';

describe('splitPassthrough', () => {
  test('tsnet\'s options anywhere are taken out; -- ends them', () => {
    assert.deepEqual(splitPassthrough(['add', '10.0.0.0/8', 'via', '10.0.0.1', '--dry-run', '--root', '/r', '--json']),
      { args: ['add', '10.0.0.0/8', 'via', '10.0.0.1'], own: { dryRun: true, root: '/r', json: true } });
    assert.deepEqual(splitPassthrough(['--firewall-backend=none', 'show']), { args: ['show'], own: { firewallBackend: 'none' } });
    assert.deepEqual(splitPassthrough(['--', 'add', '--dry-run']), { args: ['add', '--dry-run'], own: {} });
  });
});

describe('toolError and toolArgv', () => {
  test('a rejected command line is bad input (2); a kernel refusal is the kernel\'s (6); the message is the tool\'s own line', () => {
    const syntax = toolError(['ip', 'route', 'add', 'x'], 'netns:web', 'Error: either "to" is duplicate, or "vi" is a garbage.\n', 255);
    assert.equal(syntax.code, 'EINVAL');
    assert.equal(syntax.message, 'ip route in netns:web: either "to" is duplicate, or "vi" is a garbage.');
    const kernel = toolError(['ip', 'route', 'add'], 'netns:web', 'Error: Nexthop has invalid gateway.\n', 2);
    assert.equal(kernel.code, 'EKERNEL');
    const tc = toolError(['tc', 'qdisc', 'add'], 'pid:4', 'Command line is not complete. Try option "help"\nUsage: ... tbf rate KBPS burst BYTES\n', 1);
    assert.equal(tc.code, 'EINVAL');
    assert.equal(tc.message, 'tc qdisc in pid:4: Command line is not complete. Try option "help"');
    assert.equal(toolError(['ip', 'route'], 'g', 'RTNETLINK answers: File exists\n', 2).code, 'EKERNEL');
  });

  test('-4/-6 move before the object; no arguments are the caller\'s business', () => {
    assert.deepEqual(toolArgv('route', ['-6', 'show']), ['ip', '-6', 'route', 'show']);
    assert.deepEqual(toolArgv('tc', ['qdisc', 'show']), ['tc', 'qdisc', 'show']);
  });
});

describe('redrawable (progress bars and colour)', () => {
  test('only on a terminal with TERM set, not dumb, and NO_COLOR unset', () => {
    assert.equal(redrawable(true, { TERM: 'xterm-256color' }), true);
    assert.equal(redrawable(false, { TERM: 'xterm' }), false);
    assert.equal(redrawable(true, { TERM: 'dumb' }), false);
    assert.equal(redrawable(true, {}), false);
    assert.equal(redrawable(true, { TERM: 'xterm', NO_COLOR: '1' }), false);
  });
});
