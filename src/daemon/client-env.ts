/**
 * client-env — which of the client's environment variables a command served by the daemon
 * sees: tsnet's own (TSNET_*), a CNI runtime's (CNI_*), and the few that change what a
 * command prints or where it looks (terminal, colour, proxies, registry credentials). The
 * rest of the environment is the daemon's. native/client/tsnet.c sends exactly these; a
 * unit test keeps the two lists the same.
 */
export const FORWARDED_PREFIXES = ['TSNET_', 'CNI_'] as const;

export const FORWARDED_NAMES = [
  'HOME', 'TERM', 'COLUMNS', 'LINES', 'NO_COLOR', 'FORCE_COLOR',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
  'DOCKER_CONFIG', 'REGISTRY_AUTH_FILE', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME',
] as const;

export function forwarded(name: string): boolean {
  return FORWARDED_PREFIXES.some((p) => name.startsWith(p)) || (FORWARDED_NAMES as readonly string[]).includes(name);
}

/**
 * commandEnv — the environment a served command sees: the daemon's, minus every forwarded
 * name (so the daemon's own TSNET_ROOT never leaks into a client's command), plus the
 * client's forwarded values. Names the client sent that are not forwarded are dropped.
 * The test hooks (core/test-hooks.ts: kill the process at a step, append a trace to a file)
 * are a client's only when the daemon itself was started with TSNET_TEST_HOOKS=1, as the
 * test suite starts it: a production daemon never dies or writes files for a client's variable.
 */
export function commandEnv(daemonEnv: NodeJS.ProcessEnv, clientEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(daemonEnv)) if (!forwarded(k)) env[k] = v;
  for (const [k, v] of Object.entries(clientEnv)) if (forwarded(k)) env[k] = v;
  if (daemonEnv['TSNET_TEST_HOOKS'] !== '1') delete env['TSNET_TEST_HOOKS'];
  return env;
}
