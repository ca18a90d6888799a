/**
 * stored-values — the fixed values that state rows hold, apart from the repositories (which
 * open the database) so that pure modules (rule builders, name checks) can use them.
 * UPGRADE HAZARD: rows written by earlier versions hold these exact texts.
 * @pure
 */

/** The default network, made on first use like docker0 (network/default-network.ts). */
export const DEFAULT_NETWORK = 'tsnet0';

/** The host address of a port published on every address (docker's 0.0.0.0). */
export const ANY_HOST_IP = '0.0.0.0';
