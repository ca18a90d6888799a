/**
 * none — --firewall-backend none: tsnet installs nothing (the user's own firewall does it)
 * and reports everything in place.
 */
import type { FirewallBackend } from './firewall.js';

export const noneBackend: FirewallBackend = {
  name: 'none',
  installNetwork: async () => undefined,
  uninstallNetwork: async () => undefined,
  uninstallBase: async () => undefined,
  networkInstalled: async () => true,
  publish: async () => undefined,
  unpublish: async () => undefined,
  reconcilePorts: async () => [],
};
