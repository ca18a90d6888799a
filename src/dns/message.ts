/**
 * message — the DNS wire format (RFC 1035) as much as an embedded resolver needs: a query's
 * header and questions, and answers with A, AAAA and PTR records. Pure. Input is hostile
 * (any process in a container can send anything): lengths and compression pointers are
 * bounded, and anything malformed is refused with a FORMERR answer or dropped.
 * @pure
 */

export const TYPE = { A: 1, PTR: 12, AAAA: 28, ANY: 255 } as const;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** The largest UDP answer without EDNS; a bigger one is truncated (TC) so the client retries over TCP. */
export const UDP_MAX = 512;

export interface Question { name: string; type: number; cls: number }

export interface Query {
  id: number;
  flags: number;
  questions: Question[];
  /** The question section's bytes, echoed in the answer. */
  questionBytes: Buffer;
}

export interface Answer { name: string; type: number; ttl: number; data: Buffer }

export class DnsFormatError extends Error {}

/** readName — a name at off (following at most 16 compression pointers); the offset after it. */
function readName(buf: Buffer, off: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = off;
  let next = -1;
  for (let jumps = 0; ; ) {
    if (pos >= buf.length) throw new DnsFormatError('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) { pos++; break; }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length || ++jumps > 16) throw new DnsFormatError('bad compression pointer');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!;
      continue;
    }
    if (len > 63 || pos + 1 + len > buf.length) throw new DnsFormatError('bad label');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
    if (labels.join('.').length > 253) throw new DnsFormatError('name too long');
  }
  return { name: labels.join('.'), next: next < 0 ? pos : next };
}

/** parseQuery — a query message (QR clear, at least one question); DnsFormatError otherwise. */
export function parseQuery(buf: Buffer): Query {
  if (buf.length < 12) throw new DnsFormatError('shorter than a header');
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  const qd = buf.readUInt16BE(4);
  if (flags & 0x8000) throw new DnsFormatError('not a query');
  if (qd === 0 || qd > 4) throw new DnsFormatError(`${qd} questions`);
  const questions: Question[] = [];
  let off = 12;
  for (let i = 0; i < qd; i++) {
    const { name, next } = readName(buf, off);
    if (next + 4 > buf.length) throw new DnsFormatError('question runs past the message');
    questions.push({ name, type: buf.readUInt16BE(next), cls: buf.readUInt16BE(next + 2) });
    off = next + 4;
  }
  return { id, flags, questions, questionBytes: buf.subarray(12, off) };
}

export function encodeName(name: string): Buffer {
  const parts = name.split('.').filter(Boolean).map((l) => {
    const b = Buffer.from(l, 'latin1');
    return Buffer.concat([Buffer.from([b.length]), b]);
  });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** buildAnswer — the answer to q: its questions echoed, the records, RA set, RD copied. */
export function buildAnswer(q: Query, rcode: number, answers: readonly Answer[], maxSize = Infinity): Buffer {
  const records = answers.map((a) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(a.type, 0);
    fixed.writeUInt16BE(CLASS_IN, 2);
    fixed.writeUInt32BE(a.ttl, 4);
    fixed.writeUInt16BE(a.data.length, 8);
    return Buffer.concat([encodeName(a.name), fixed, a.data]);
  });
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, opcode 0, RD copied, RA, the rcode.
  header.writeUInt16BE(0x8000 | (q.flags & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(q.questions.length, 4);
  let kept = records;
  let size = 12 + q.questionBytes.length + records.reduce((s, r) => s + r.length, 0);
  if (size > maxSize) {
    header.writeUInt16BE(header.readUInt16BE(2) | 0x0200, 2); // TC: ask again over TCP
    kept = [];
    size = 12 + q.questionBytes.length;
  }
  header.writeUInt16BE(kept.length, 6);
  return Buffer.concat([header, q.questionBytes, ...kept]);
}

/** errorAnswer — FORMERR/SERVFAIL/... for a message whose header could at least be read. */
export function errorAnswer(buf: Buffer, rcode: number): Buffer | undefined {
  if (buf.length < 12 || buf.readUInt16BE(2) & 0x8000) return undefined;
  const h = Buffer.alloc(12);
  h.writeUInt16BE(buf.readUInt16BE(0), 0);
  h.writeUInt16BE(0x8000 | (buf.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2);
  return h;
}

export function ipv4Data(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

/** reverseName — 10.0.0.5 → 5.0.0.10.in-addr.arpa */
export function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}
