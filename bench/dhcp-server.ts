/**
 * bench/dhcp-server — what one DHCP answer costs the server with many leases, in process
 * (no network): a DISCOVER from a new client on a /16 holding N leases (16,000 as in
 * issue 10's report, where each took ~1 s with a scan; and 30,000), timed through
 * server-logic's decide() over the lease table, and the table's build from N state rows
 * (a keeper start). Medians of R runs each.
 *
 *   npm run build && node dist/bench/dhcp-server.js [--reps R]
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { decode, encode } from '../src/dhcp/packet.js';
import { MSG, clientMessage } from '../src/dhcp/options.js';
import { decide, ipNum, numIp, type ServerLease } from '../src/dhcp/server-logic.js';
import { LeaseTable } from '../src/dhcp/lease-table.js';
import { serverConfig } from '../src/dhcp/server-config.js';
import { summarize } from './lib/stats.js';

function main(): void {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '200' } } });
  const reps = Number(values.reps);
  const cfg = serverConfig({ range: '10.9.0.2-10.9.255.254', lease: '1h', dns: [], hosts: [] }, '10.9.0.0/16', '10.9.0.1', 1500);
  const now = Date.now();
  console.log(`load ${loadavg().map((x: number) => x.toFixed(2)).join(' ')}`);
  for (const n of [16_000, 30_000]) {
    // Leases spread over the range, so the lowest free address is deep inside it.
    const leases: ServerLease[] = [];
    for (let i = 0; i < n; i++) leases.push({ ip: numIp(ipNum(cfg.rangeStart) + i), clientKey: `c${i}`, mac: '02:00:00:00:00:01', hostname: null, state: 'bound', expiresAt: now + 3_600_000, port: `p${i}` });
    const build: number[] = [];
    let table = new LeaseTable(cfg, leases);
    for (let r = 0; r < 10; r++) { const t0 = performance.now(); table = new LeaseTable(cfg, leases); build.push(performance.now() - t0); }
    const answer: number[] = [];
    for (let r = 0; r < reps; r++) {
      const req = decode(encode(clientMessage({ mac: `02:aa:00:00:${(r >> 8).toString(16).padStart(2, '0')}:${(r & 255).toString(16).padStart(2, '0')}`, clientId: Buffer.from([1, r & 255, r >> 8]), hostname: 'h', params: [1, 3] }, { type: MSG.DISCOVER, xid: r, broadcast: true })));
      const t0 = performance.now();
      const d = decide(cfg, table, req, now, `new${r}`);
      if (d.put) table.put(d.put);
      answer.push(performance.now() - t0);
      if (!d.reply) throw new Error(d.log);
    }
    console.log(`${n} leases on a /16: DISCOVER → OFFER ${summarize(answer).median.toFixed(3)} ms (median of ${reps}); lease table from state rows ${summarize(build).median.toFixed(1)} ms`);
  }
}

main();
