/**
 * packet — the DHCPv4 wire format (RFC 2131 §2, RFC 2132 §2–3, RFC 3396), pure. decode()
 * never trusts the peer: every length is checked against the buffer, and anything
 * malformed becomes a DhcpDecodeError naming what was wrong, never an exception of
 * another type (the lease keeper drops such packets and carries on). Options are kept
 * raw here (code → concatenated bytes); options.ts gives them meaning.
 * @pure
 */

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const MAGIC_COOKIE = 0x63825363;
/** Fixed BOOTP header (236 bytes) plus the magic cookie. */
export const HEADER_LEN = 240;
const SNAME_OFF = 44;
const FILE_OFF = 108;
const OPT_PAD = 0;
const OPT_END = 255;
const OPT_OVERLOAD = 52;
/** Smallest packet a client must accept (RFC 2131 §2: 576-byte datagrams minus IP/UDP). */
export const MIN_PACKET = 300;

export class DhcpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DhcpDecodeError';
  }
}

export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  /** 0x8000 = broadcast: the client has no address yet and cannot take a unicast reply. */
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Client hardware address, lower-case colon form (hlen bytes). */
  chaddr: string;
  /** Option code → value bytes; repeated instances are concatenated (RFC 3396). */
  options: Map<number, Buffer>;
}

export function ipToBuf(ip: string, into?: Buffer, offset = 0): Buffer {
  const parts = ip.split('.').map(Number);
  const b = into ?? Buffer.alloc(4);
  for (let i = 0; i < 4; i++) b[offset + i] = parts[i] ?? 0;
  return b;
}

export function bufToIp(b: Buffer, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

export function macToBuf(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

/** encode — the packet as sent; padded to the 300-byte BOOTP minimum some servers expect. */
export function encode(p: DhcpPacket): Buffer {
  const opts: Buffer[] = [];
  for (const [code, value] of p.options) {
    // Values over 255 bytes are split into several instances (RFC 3396).
    for (let off = 0; off < value.length || off === 0; off += 255) {
      const part = value.subarray(off, off + 255);
      opts.push(Buffer.from([code, part.length]), part);
      if (value.length === 0) break;
    }
  }
  opts.push(Buffer.from([OPT_END]));
  const body = Buffer.concat(opts);
  const b = Buffer.alloc(Math.max(MIN_PACKET, HEADER_LEN + body.length));
  b[0] = p.op; b[1] = p.htype; b[2] = p.hlen; b[3] = p.hops;
  b.writeUInt32BE(p.xid >>> 0, 4);
  b.writeUInt16BE(p.secs, 8);
  b.writeUInt16BE(p.flags, 10);
  ipToBuf(p.ciaddr, b, 12); ipToBuf(p.yiaddr, b, 16); ipToBuf(p.siaddr, b, 20); ipToBuf(p.giaddr, b, 24);
  macToBuf(p.chaddr).copy(b, 28, 0, 16);
  b.writeUInt32BE(MAGIC_COOKIE, 236);
  body.copy(b, HEADER_LEN);
  return b;
}

export function decode(b: Buffer): DhcpPacket {
  if (b.length < HEADER_LEN) throw new DhcpDecodeError(`packet of ${b.length} bytes is shorter than the ${HEADER_LEN}-byte header`);
  if (b.readUInt32BE(236) !== MAGIC_COOKIE) throw new DhcpDecodeError(`wrong magic cookie 0x${b.readUInt32BE(236).toString(16)}`);
  const hlen = b[2]!;
  if (hlen > 16) throw new DhcpDecodeError(`hardware address length ${hlen} exceeds 16`);
  const options = new Map<number, Buffer[]>();
  readOptions(b, HEADER_LEN, b.length, options, 'options');
  const overload = options.get(OPT_OVERLOAD);
  if (overload) {
    // Option 52: the file and/or sname fields carry more options (RFC 2132 §9.3).
    const v = Buffer.concat(overload);
    if (v.length !== 1 || v[0]! < 1 || v[0]! > 3) throw new DhcpDecodeError(`option overload (52) has an invalid value`);
    if (v[0]! & 1) readOptions(b, FILE_OFF, FILE_OFF + 128, options, 'file field');
    if (v[0]! & 2) readOptions(b, SNAME_OFF, SNAME_OFF + 64, options, 'sname field');
  }
  const merged = new Map<number, Buffer>();
  for (const [code, parts] of options) merged.set(code, Buffer.concat(parts));
  return {
    op: b[0]!, htype: b[1]!, hlen, hops: b[3]!,
    xid: b.readUInt32BE(4), secs: b.readUInt16BE(8), flags: b.readUInt16BE(10),
    ciaddr: bufToIp(b, 12), yiaddr: bufToIp(b, 16), siaddr: bufToIp(b, 20), giaddr: bufToIp(b, 24),
    chaddr: [...b.subarray(28, 28 + hlen)].map((x) => x.toString(16).padStart(2, '0')).join(':'),
    options: merged,
  };
}

/** readOptions — one option area; an END is required, a length past the area is an error. */
function readOptions(b: Buffer, start: number, end: number, into: Map<number, Buffer[]>, where: string): void {
  let i = start;
  while (i < end) {
    const code = b[i]!;
    if (code === OPT_END) return;
    if (code === OPT_PAD) { i++; continue; }
    if (i + 1 >= end) throw new DhcpDecodeError(`option ${code} in the ${where} is truncated (no length byte)`);
    const len = b[i + 1]!;
    if (i + 2 + len > end) throw new DhcpDecodeError(`option ${code} in the ${where} overflows it (length ${len}, ${end - i - 2} bytes left)`);
    const list = into.get(code) ?? [];
    list.push(b.subarray(i + 2, i + 2 + len));
    into.set(code, list);
    i += 2 + len;
  }
  throw new DhcpDecodeError(`the ${where} has no END option`);
}
