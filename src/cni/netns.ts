/**
 * netns — CNI_NETNS opened once, as tsnet's guest resolution does (netns/guest.ts), with
 * the spec's codes for what can be wrong with it: gone (3: the runtime need not clean up),
 * not a netns file (4), the plugin's own netns (8, unless CNI_NETNS_OVERRIDE says so).
 */
import { TsnetError } from '../core/errors.js';
import { resolveGuest, type ResolvedGuest } from '../netns/guest.js';
import { CNI_CODE, CniError } from './errors.js';
import { cniGuestRef } from '../network/cni-records.js';

export function openNetns(path: string, procEnv: NodeJS.ProcessEnv): ResolvedGuest {
  try {
    return resolveGuest(cniGuestRef(path));
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof TsnetError && e.code === 'ENOTFOUND') throw new CniError(CNI_CODE.unknownContainer, 'container unknown or does not exist', `CNI_NETNS ${path}: ${msg}`);
    if (e instanceof TsnetError && /own network namespace/.test(msg)) {
      const override = procEnv['CNI_NETNS_OVERRIDE'];
      if (override !== '1' && override !== 'true') throw new CniError(CNI_CODE.invalidNetns, 'invalid netns', `CNI_NETNS ${path} is the plugin's own network namespace`);
      throw new CniError(CNI_CODE.invalidNetns, 'invalid netns', `CNI_NETNS ${path} is tsnet's own network namespace; tsnet cannot attach its host to itself`);
    }
    throw new CniError(CNI_CODE.invalidEnv, 'invalid environment variables', `CNI_NETNS ${path}: ${msg}`);
  }
}
