/**
 * process — a container's processes as tsnet sees them from outside: alive means the pid
 * exists with the start time recorded when it was made (so a recycled pid is never taken
 * for it), and its network namespace is its pin under /run/netns or, in a mount namespace
 * where the pin is not visible (`ip netns exec` makes one per command), its init's own.
 */
import { processStartTime } from '../core/owner.js';
import type { ContainerRecord } from '../state/containers.js';

export { processStartTime };

export function processAlive(pid: number | null, start: string | null): boolean {
  return pid !== null && start !== null && processStartTime(pid) === start;
}

/** containerNetnsPaths — where the container's netns can be opened; [] when it is not running. */
export function containerNetnsPaths(c: ContainerRecord): string[] {
  if (c.state !== 'running' && c.state !== 'starting') return [];
  const paths: string[] = [];
  if (c.netns) paths.push(c.netns);
  if (processAlive(c.pid, c.pidStart)) paths.push(`/proc/${c.pid}/ns/net`);
  return paths;
}
