/**
 * e2e: `tsnet lab graph --serve` driven by a real browser. The 4 hosts × 5 nodes lab is
 * brought up, its live page is opened in headless Chromium (Debian's, through
 * playwright-core), and the screenshot must show every node (each node's ellipse is found
 * on the page and its fill colour is found in the screenshot's pixels there). Clicking a
 * node shows its addresses and routes; taking a link down shows on the page without a reload.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootSkip, TestNetns } from '../helpers/netns';
import { TSNET_BIN } from '../helpers/tsnet';
import { decodePng } from '../helpers/png';

const CHROMIUM = '/usr/bin/chromium';
const FILE = join(__dirname, '..', '..', '..', 'examples', 'multi-host', 'four-hosts.yaml');
const skip = rootSkip || (existsSync(CHROMIUM) ? false : 'needs Debian\'s chromium (apt-get install chromium)');
/** The node fill colour of the graph (src/lab/graph.ts): #d9f2d9. */
const NODE_FILL: [number, number, number] = [0xd9, 0xf2, 0xd9];

describe('tsnet lab graph --serve in headless Chromium', { skip }, () => {
  const t = new TestNetns();
  const name = `t-${randomBytes(4).toString('hex')}`;
  let root = '';
  let server: ChildProcess | undefined;
  let url = '';
  const tsnet = (...args: string[]) => spawnSync(TSNET_BIN, ['lab', args[0]!, '--root', root, ...args.slice(1)], { encoding: 'utf8' });

  before(async () => {
    root = t.tmpdir();
    const up = tsnet('up', FILE, '--name', name);
    assert.equal(up.status, 0, up.stderr);
    server = spawn(TSNET_BIN, ['lab', 'graph', name, '--serve', '--port', '0', '--root', root], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) resolve(m[0]);
      });
      server!.on('exit', (code) => reject(new Error(`graph server exited ${code}: ${out}`)));
    });
  });

  after(() => {
    server?.kill('SIGTERM');
    tsnet('down', name);
    t.cleanup();
  });

  test('the page shows every node; a click shows its addresses; a link taken down shows', { timeout: 120_000 }, async () => {
    // tsnet-lint-disable-next-line no-require -- playwright-core loads only when this test runs (it skips without chromium)
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'tsnet-t-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1600, height: 1000 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
      const png = await page.screenshot({ fullPage: true });
      if (process.env['TSNET_TEST_SCREENSHOT']) writeFileSync(process.env['TSNET_TEST_SCREENSHOT'], png);
      const shot = decodePng(png);
      const nodes = Array.from({ length: 4 }, (_, h) => Array.from({ length: 5 }, (_, n) => `h${h + 1}n${n + 1}`)).flat();
      for (const n of nodes) {
        const box = await page.locator(`g#node-${n} ellipse`).boundingBox();
        assert.ok(box && box.width > 10 && box.height > 10, `node ${n} is drawn`);
        // The node's own fill, in the screenshot, inside its ellipse.
        let hits = 0;
        for (let x = Math.ceil(box.x); x < box.x + box.width; x += 2) {
          const y = Math.round(box.y + box.height / 2);
          if (x < shot.width && y < shot.height && shot.rgb(x, y).every((v, i) => Math.abs(v - NODE_FILL[i]!) <= 3)) hits++;
        }
        assert.ok(hits >= 3, `the screenshot shows node ${n} (${hits} pixels of its fill on its middle line)`);
        assert.match((await page.locator(`g#node-${n}`).textContent()) ?? '', new RegExp(n));
      }
      await page.locator('g#node-h2n3').click();
      await page.waitForFunction("document.getElementById('node').textContent.includes('10.10.2.4/24')", undefined, { timeout: 10_000 });
      assert.match((await page.locator('#node').textContent()) ?? '', /h2n3 on h2 up.*eth1 10\.10\.2\.4\/24.*default via 10\.10\.2\.1 dev eth1/s);
      assert.equal(tsnet('link', name, 'h1n1:eth1', 'down').status, 0);
      await page.waitForFunction("/h1n1:eth1 down/.test(document.getElementById('links').textContent)", undefined, { timeout: 15_000 });
      await page.waitForFunction("document.getElementById('graph').innerHTML.includes('(down)')", undefined, { timeout: 15_000 });
      assert.match(await page.locator('#graph').innerHTML(), /stroke="red"/, 'the edge is drawn red');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
