/**
 * warm-up — runs the top level of every module a command may load lazily (the engine, the
 * rtnetlink codec and the `netlink` package's ~240 KB of generated code, koffi) without
 * touching the kernel or any state. scripts/bundle.mjs calls it before saving V8's code
 * cache, so a cold attach finds those modules compiled instead of parsing them (~20 ms).
 */
import { load } from './load.js';

export function warmUp(): void {
  for (const module of Object.values(load)) module();
  /* tsnet-lint-disable no-require -- the daemon loads up front, on purpose, what the CLI's lazy loads would load later */
  (require('../netlink/netlink-codec.js') as typeof import('../netlink/netlink-codec.js')).nl();
  require('../netlink/netlink-backend.js');
  require('../attach/attach-plan.js');
  require('koffi');
  /* tsnet-lint-enable no-require */
}
