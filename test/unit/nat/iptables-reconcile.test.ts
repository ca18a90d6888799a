/**
 * iptables-reconcile: only what the kernel lacks is added; an existing right chain is never
 * re-declared (that would flush it); doubled or misordered jumps are put right; orphans go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSaved, reconcileLines } from '../../../src/nat/iptables-reconcile.js';
import { baseLayout, mergeLayouts, networkChains, networkLayout } from '../../../src/nat/iptables-rules.js';

const lab = { bridge: 'br-0123456789ab', subnet: '10.71.0.0/24', internal: false, ipMasq: true };
const c = networkChains(lab.bridge);

/** apply — what iptables-restore --noflush would leave, for the lines reconcile emits. */
function apply(saved: string, lines: string[]): string {
  const t = parseSaved(saved);
  for (const l of lines) {
    if (l.startsWith(':')) { const n = l.slice(1, l.indexOf(' ')); t.chains.add(n); t.rules.set(n, []); }
    else if (l.startsWith('-F ')) t.rules.set(l.slice(3), []);
    else if (l.startsWith('-X ')) { t.chains.delete(l.slice(3)); t.rules.delete(l.slice(3)); }
    else {
      const chain = l.slice(3, l.indexOf(' ', 3));
      const list = t.rules.get(chain) ?? [];
      const rule = `-A ${l.slice(3)}`;
      if (l.startsWith('-A ')) list.push(rule);
      else list.splice(list.indexOf(rule), 1);
      t.rules.set(chain, list);
    }
  }
  return [...[...t.chains].sort().map((x) => `:${x} - [0:0]`), ...[...t.rules.values()].flat()].join('\n');
}

const layout = mergeLayouts([baseLayout('filter'), networkLayout(lab, 'filter')]);

test('on an empty table: everything, declarations first; applied again: nothing', () => {
  const first = reconcileLines(parseSaved(''), layout);
  assert.ok(first.slice(0, 7).every((l) => l.startsWith(':')), first.join('\n'));
  const after = apply('', first);
  assert.deepEqual(reconcileLines(parseSaved(after), layout), []);
});

test('a chain that is right is not touched; one that lost a rule is emptied and refilled, never re-declared', () => {
  const good = apply('', reconcileLines(parseSaved(''), layout));
  const lost = good.split('\n').filter((l) => l !== `-A ${c.inbound} -j DROP`).join('\n');
  const lines = reconcileLines(parseSaved(lost), layout);
  assert.ok(!lines.some((l) => l.startsWith(':')), 'no declaration of an existing chain');
  assert.equal(lines[0], `-F ${c.inbound}`);
  assert.equal(apply(lost, lines), good);
});

test('doubled jumps are undoubled; a misordered user hook goes back in front', () => {
  const good = apply('', reconcileLines(parseSaved(''), layout));
  const doubled = `${good}\n-A FORWARD -j TSNET-USER\n-A TSNET-INBOUND -o ${lab.bridge} -j ${c.inbound}`;
  const fixed = apply(doubled, reconcileLines(parseSaved(doubled), layout));
  const rules = fixed.split('\n');
  assert.equal(rules.filter((l) => l === '-A FORWARD -j TSNET-USER').length, 1);
  assert.equal(rules.filter((l) => l === `-A TSNET-INBOUND -o ${lab.bridge} -j ${c.inbound}`).length, 1);
  assert.ok(rules.indexOf('-A FORWARD -j TSNET-USER') < rules.indexOf('-A FORWARD -j TSNET-FORWARD'));
  const swapped = good.replace('-A FORWARD -j TSNET-USER\n-A FORWARD -j TSNET-FORWARD', '-A FORWARD -j TSNET-FORWARD\n-A FORWARD -j TSNET-USER');
  assert.notEqual(swapped, good);
  const back = apply(swapped, reconcileLines(parseSaved(swapped), layout)).split('\n');
  assert.ok(back.indexOf('-A FORWARD -j TSNET-USER') < back.indexOf('-A FORWARD -j TSNET-FORWARD'));
  assert.deepEqual(reconcileLines(parseSaved(back.join('\n')), layout), []);
});

test('rules of others in shared chains stay; orphan chains and strays in pruned chains go', () => {
  const good = apply('', reconcileLines(parseSaved(''), layout));
  const others = `${good}\n-A FORWARD -j DOCKER-USER\n:TSNET-I-dead000000 - [0:0]\n-A TSNET-INBOUND -o br-gone -j TSNET-I-dead000000\n-A TSNET-I-dead000000 -j DROP\n-A TSNET-INPUT -d 127.0.0.0/8 -i br-gone -j DROP`;
  assert.deepEqual(reconcileLines(parseSaved(others), layout), [], 'without remove/prune nothing of theirs is touched');
  const gc = { ...layout, remove: ['TSNET-I-dead000000'], prune: ['TSNET-INPUT'] };
  const lines = reconcileLines(parseSaved(others), gc);
  assert.deepEqual(lines, [
    '-D TSNET-INBOUND -o br-gone -j TSNET-I-dead000000',
    '-D TSNET-INPUT -d 127.0.0.0/8 -i br-gone -j DROP',
    '-F TSNET-I-dead000000',
    '-X TSNET-I-dead000000',
  ]);
  assert.ok(apply(others, lines).includes('-A FORWARD -j DOCKER-USER'));
});
