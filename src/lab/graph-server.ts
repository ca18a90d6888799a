/**
 * graph-server — `tsnet lab graph LAB --serve`: a live page on 127.0.0.1 (never another
 * address: it shows a lab's addresses and routes) with the lab's SVG, redrawn when the
 * running lab changes (links down, nodes gone, impairments changed), and a panel that shows
 * a node's addresses and routes when it is clicked, as containerlab's graph server does.
 * Every request reads the record and the kernel afresh; nothing is cached but the last SVG.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LinkOpsBackend } from '../netlink/linkops.js';
import { readRecord } from './record.js';
import { renderSvg } from './render.js';
import { labStatus, type LabStatus } from './status.js';

export interface GraphServer { port: number; close(): void; closed: Promise<void> }

const PAGE = (name: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>tsnet lab ${name}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 0; display: flex; height: 100vh; }
#graph { flex: 1; overflow: hidden; padding: 8px; } #graph svg { width: 100%; height: calc(100vh - 16px); }
#side { width: 320px; border-left: 1px solid #ccc; padding: 8px 12px; overflow: auto; font-size: 13px; background: #fafafa; }
h1 { font-size: 16px; margin: 4px 0 8px; } h2 { font-size: 14px; margin: 12px 0 4px; }
.up { color: #1a7f37; } .down, .missing { color: #c62828; } code { font-size: 12px; }
g.labnode { cursor: pointer; }
</style></head>
<body><div id="graph">loading…</div>
<div id="side"><h1>lab ${name}</h1><div id="summary"></div><h2>node</h2><div id="node">click a node</div><h2>links</h2><div id="links"></div></div>
<script>
let last = '', selected = null, status = null;
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
function showNode() {
  const n = status && selected && status.nodes.find((x) => x.name === selected);
  document.getElementById('node').innerHTML = !n ? 'click a node' :
    '<b>' + esc(n.name) + '</b> on ' + esc(n.host) + ' <span class="' + (n.present ? 'up">up' : 'missing">missing') + '</span><br>netns <code>' + esc(n.netns) + '</code>' +
    '<h2>addresses</h2>' + (n.addresses.map((a) => '<code>' + esc(a.ifname + ' ' + a.cidr) + '</code>').join('<br>') || '-') +
    '<h2>routes</h2>' + (n.routes.map((r) => '<code>' + esc(r) + '</code>').join('<br>') || '-');
}
async function refresh() {
  try {
    status = await (await fetch('/api/status')).json();
    const key = JSON.stringify([status.links.map((l) => [l.name, l.state, l.impairment]), status.nodes.map((n) => [n.name, n.present])]);
    document.getElementById('summary').textContent = status.phase + ' — ' + status.hosts.length + ' hosts, ' + status.nodes.length + ' nodes, ' + status.links.length + ' links';
    document.getElementById('links').innerHTML = status.links.map((l) => esc(l.name) + ' <span class="' + l.state + '">' + l.state + '</span>' + (l.impairment ? ' <i>' + esc(l.impairment) + '</i>' : '')).join('<br>');
    if (key !== last) {
      last = key;
      document.getElementById('graph').innerHTML = await (await fetch('/graph.svg')).text();
      for (const g of document.querySelectorAll('g.labnode')) g.addEventListener('click', () => { selected = g.id.replace(/^node-/, ''); showNode(); });
      document.body.dataset.ready = '1';
    }
    showNode();
  } catch (e) { document.getElementById('summary').textContent = 'lab unreachable: ' + e; }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>
`;

export async function serveGraph(root: string, name: string, port: number, backend: LinkOpsBackend | undefined): Promise<GraphServer> {
  const current = async (): Promise<{ status: LabStatus; svg?: string }> => {
    const rec = readRecord(root, name);
    if (!rec) throw new Error(`lab ${name} is no longer up`);
    return { status: await labStatus(rec, backend) };
  };
  const send = (res: ServerResponse, code: number, type: string, body: string): void => {
    res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only\n');
    try {
      if (path === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE(name));
      if (path === '/api/status') return send(res, 200, 'application/json', JSON.stringify((await current()).status));
      if (path === '/graph.svg') {
        const rec = readRecord(root, name);
        if (!rec) return send(res, 404, 'text/plain', `lab ${name} is no longer up\n`);
        const status = await labStatus(rec, backend);
        const impairments = Object.fromEntries(status.links.map((l) => [l.name, l.impairment]));
        return send(res, 200, 'image/svg+xml', await renderSvg({ model: rec.model, status, impairments }));
      }
      return send(res, 404, 'text/plain', 'not found\n');
    } catch (e) {
      return send(res, 503, 'text/plain', `${(e as Error).message}\n`);
    }
  };
  const server = createServer((req, res) => { void handle(req, res); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const stop = (): void => { server.close(); server.closeAllConnections(); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { port: (server.address() as AddressInfo).port, close: stop, closed };
}
