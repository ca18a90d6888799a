/**
 * resolv-conf — the nameservers of a resolv.conf text, for subnet selection: a network
 * whose subnet contains the host's resolver would capture the host's DNS traffic, so
 * `--subnet auto` skips such blocks (Docker's InferReservedNetworks does the same).
 * Pure: the caller reads the file.
 *
 * Docker behaviour kept on purpose:
 * - Loopback resolvers (127.0.0.0/8, ::1) are NOT dropped. Docker strips them only when it
 *   writes a container's resolv.conf (FilterResolvDNS), not from the reserved set; they never
 *   fall inside a pool anyway, because pools may not overlap loopback.
 * - Which file: when /etc/resolv.conf lists only 127.0.0.53 (the systemd-resolved stub),
 *   Docker reads /run/systemd/resolve/resolv.conf instead, which holds the real upstream
 *   servers. isSystemdResolvedStub tells the caller when to do that.
 * - An IPv6 zone index (fe80::1%eth0) is dropped, as Docker's GetNameserversAsPrefix does.
 * Comments start at '#' or ';' anywhere on a line (resolv.conf(5) allows both; neither can
 * occur in an address). Lines whose value is not an IP address are ignored, as libc does.
 * @pure
 */
import { formatIp, parseIp } from './cidr.js';

/** parseResolvConf — nameserver IPs (IPv4 and IPv6) in file order, canonical text, no duplicates. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '');
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'nameserver' || fields[1] === undefined) continue;
    const ip = fields[1].replace(/%.*$/, '');
    let canonical: string;
    try {
      const { family, addr } = parseIp(ip, 'nameserver');
      canonical = formatIp(family, addr);
    } catch {
      continue;
    }
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out;
}

/** isSystemdResolvedStub — true when the only nameserver is systemd-resolved's 127.0.0.53 stub. */
export function isSystemdResolvedStub(nameservers: readonly string[]): boolean {
  return nameservers.length === 1 && nameservers[0] === '127.0.0.53';
}
