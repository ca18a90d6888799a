/**
 * netlink/index — openLinkOps, the one way the rest of tsnet gets a LinkOps. It picks the
 * backend (argument, else TSNET_LINKOPS, else netlink) and requires only that backend's
 * module, so a command pays neither the netlink package's import nor anything else it
 * does not use; commands that never touch the kernel pay nothing at all.
 */
import { invalid } from '../core/errors.js';
import type { LinkOps, LinkOpsBackend, NetnsRef } from './linkops.js';

export type { LinkOps, LinkOpsBackend, NetnsRef } from './linkops.js';

const BACKENDS: readonly LinkOpsBackend[] = ['netlink', 'iproute2'];

/** chooseBackend — explicit choice, else $TSNET_LINKOPS, else netlink. */
export function chooseBackend(explicit?: LinkOpsBackend): LinkOpsBackend {
  const chosen = explicit ?? (process.env['TSNET_LINKOPS'] || 'netlink');
  if (!BACKENDS.includes(chosen as LinkOpsBackend)) {
    throw invalid(`LinkOps backend "${chosen}" is not one of ${BACKENDS.join(', ')} (set by TSNET_LINKOPS or --backend)`);
  }
  return chosen as LinkOpsBackend;
}

/** openLinkOps — a LinkOps on `netns` (an open nsfs fd plus a path to it) or on the current netns. */
export async function openLinkOps(netns?: NetnsRef, backend?: LinkOpsBackend): Promise<LinkOps> {
  /* tsnet-lint-disable no-require -- only the chosen LinkOps backend loads */
  if (chooseBackend(backend) === 'iproute2') {
    const m = require('./iproute2-backend.js') as typeof import('./iproute2-backend.js');
    return m.openIproute2Ops(netns);
  }
  const m = require('./netlink-backend.js') as typeof import('./netlink-backend.js');
  return m.openNetlinkOps(netns);
  /* tsnet-lint-enable no-require */
}
