/**
 * network-name — the rule for network names, apart from network.ts so that pure modules
 * (the container spec) can check a name without loading the network engine. Pure.
 * @pure
 */
import { invalid } from '../core/errors.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** validateNetworkName — like Docker's: a letter or digit, then letters, digits, _ . - */
export function validateNetworkName(name: string): string {
  if (!NAME_RE.test(name)) throw invalid(`network name "${name}" must start with a letter or digit and use only letters, digits and _.- (at most 63)`);
  return name;
}

export { DEFAULT_NETWORK } from '../state/stored-values.js';
