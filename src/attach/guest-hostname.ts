/**
 * guest-hostname — the name a DHCP attach sends as option 12 when the user gave none.
 * pipework sends the guest's name. A netns or container name is one; a process (pid:N, or
 * a /proc/N/ns/net path) has none of its own, so it is the hostname of the process's UTS
 * namespace when that is not ours (a container's), else the process's command name.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { run } from '../core/exec.js';
import { defaultHostname } from '../dhcp/client-options.js';
import type { ResolvedGuest } from '../netns/guest.js';

const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;

export async function guestHostname(guest: ResolvedGuest): Promise<string | undefined> {
  const named = defaultHostname(guest.name);
  if (named !== undefined) return named;
  const pid = guest.ref.kind === 'pid' ? guest.ref.pid : guest.ref.kind === 'path' ? pidOfPath(guest.ref.path) : undefined;
  if (pid === undefined) return undefined;
  try {
    if (readlinkSync(`/proc/${pid}/ns/uts`) !== readlinkSync('/proc/self/ns/uts')) {
      const r = await run(['nsenter', `--uts=/proc/${pid}/ns/uts`, '--', 'hostname'], { allowFailure: true });
      const name = r.stdout.trim();
      if (r.code === 0 && HOSTNAME.test(name)) return name;
    }
    return asHostname(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
  } catch {
    return undefined; // the process is gone or not ours to read: no hostname, as for a path
  }
}

function pidOfPath(path: string): number | undefined {
  const m = /^\/proc\/(\d+)\/ns\/net$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

/** asHostname — a command name made into a hostname label ("my_app" → "my-app"). */
export function asHostname(text: string): string | undefined {
  const name = text.replace(/[^A-Za-z0-9.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return HOSTNAME.test(name) ? name : undefined;
}
