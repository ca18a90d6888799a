/**
 * arp-frame — the 42-byte Ethernet frame of a gratuitous ARP request (sender IP = target
 * IP, broadcast destination), exactly as the kernel's arp_notify sends it. Pure.
 * @pure
 */
import { invalid } from '../core/errors.js';

export const ETH_P_ARP = 0x0806;

export function gratuitousArp(mac: string, ipv4: string): Buffer {
  const hw = Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
  const ip = Buffer.from(ipv4.split('.').map(Number));
  if (hw.length !== 6 || ip.length !== 4) throw invalid(`cannot build a gratuitous ARP for ${mac} ${ipv4}`);
  const f = Buffer.alloc(42);
  f.fill(0xff, 0, 6); // destination: broadcast
  hw.copy(f, 6); // source MAC
  f.writeUInt16BE(ETH_P_ARP, 12);
  f.writeUInt16BE(1, 14); // hardware type: Ethernet
  f.writeUInt16BE(0x0800, 16); // protocol type: IPv4
  f[18] = 6; // hardware address length
  f[19] = 4; // protocol address length
  f.writeUInt16BE(1, 20); // operation: request
  hw.copy(f, 22); // sender MAC
  ip.copy(f, 28); // sender IP
  // target MAC stays 00:00:00:00:00:00
  ip.copy(f, 38); // target IP = sender IP: "gratuitous"
  return f;
}
