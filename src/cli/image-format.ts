/**
 * image-format — how sizes and ages look in `tsnet images` and progress bars: Docker's
 * SI sizes (1.24MB) and "5 minutes ago". Pure.
 * @pure
 */

/** humanSize — Docker's SI sizes: 1.24MB, 870kB. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : Number(v.toPrecision(3))}${units[i]}`;
}

/** ago — "5 minutes ago", as docker images shows CREATED. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'N/A';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const steps: [number, string][] = [[31536000, 'year'], [2592000, 'month'], [604800, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [sec, name] of steps) {
    const n = Math.floor(s / sec);
    if (n >= 1) return `${n} ${name}${n > 1 ? 's' : ''} ago`;
  }
  return 'Less than a second ago';
}
