/**
 * routing — makes process.stdout, process.stderr, process.stdin and process.env answer with
 * the current command's own (core/command-scope.ts ScopeIo) while the daemon serves it, and
 * with the daemon's everywhere else. Command code was written for a process of its own
 * (commander prints help with process.stdout.write, progress bars test process.stdout.isTTY,
 * commander reads TSNET_* through process.env); routing lets it run unchanged, many commands
 * at once. Installed once, by the daemon only.
 */
import { currentScope, type ScopeIo } from '../core/command-scope.js';

let installed = false;

export function routeProcessToCommands(): void {
  if (installed) return;
  installed = true;
  for (const name of ['stdout', 'stderr', 'stdin'] as const) {
    const own = Object.getOwnPropertyDescriptor(process, name);
    if (!own?.get || !own.configurable) throw new Error(`process.${name} cannot be routed on this Node`);
    const ownGet = own.get;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: true,
      get: () => currentScope()?.io?.[name] ?? ownGet.call(process),
    });
  }
  const daemonEnv = process.env;
  const envOf = (): NodeJS.ProcessEnv => currentScope()?.io?.env ?? daemonEnv;
  process.env = new Proxy(daemonEnv, {
    get: (_t, k) => Reflect.get(envOf(), k),
    set: (_t, k, v) => Reflect.set(envOf(), k, String(v)),
    has: (_t, k) => Reflect.has(envOf(), k),
    deleteProperty: (_t, k) => Reflect.deleteProperty(envOf(), k),
    ownKeys: () => Reflect.ownKeys(envOf()),
    getOwnPropertyDescriptor: (_t, k) => {
      const d = Reflect.getOwnPropertyDescriptor(envOf(), k);
      return d && { ...d, configurable: true };
    },
  });
}

export type { ScopeIo };
