/**
 * names — who may resolve whom, as Docker's embedded DNS decides it: on a user-created
 * network a container answers to its name, its short id and its --network-alias names,
 * with its address on that network, and only to containers that share the network. A
 * name nobody there has is not ours: it goes to the upstream servers. Pure.
 * @pure
 */
import { RCODE, TYPE, encodeName, ipv4Data, reverseName, type Answer, type Query } from './message.js';

/** Docker's TTL for container records. */
export const TTL = 600;

export interface Member {
  containerId: string;
  network: string;
  /** Lower-case names: the container's name, short id, aliases. */
  names: string[];
  ip: string;
}

export type Lookup = { rcode: number; answers: Answer[] } | 'forward';

/** lookup — the answer for `asker` (a container id) to q's first question, or 'forward'. */
export function lookup(members: readonly Member[], asker: string, q: Query): Lookup {
  const question = q.questions[0]!;
  const name = question.name.toLowerCase().replace(/\.$/, '');
  const mine = new Set(members.filter((m) => m.containerId === asker).map((m) => m.network));
  const visible = members.filter((m) => mine.has(m.network));
  if (question.type === TYPE.PTR && name.endsWith('.in-addr.arpa')) {
    const hit = visible.find((m) => reverseName(m.ip) === name);
    if (!hit) return 'forward';
    return { rcode: RCODE.NOERROR, answers: [{ name: question.name, type: TYPE.PTR, ttl: TTL, data: encodeName(hit.names[0]!) }] };
  }
  const hits = visible.filter((m) => m.names.includes(name));
  if (hits.length === 0) return 'forward';
  // A name we own with no record of the asked type (AAAA on an IPv4 network): NOERROR, no data.
  if (question.type !== TYPE.A && question.type !== TYPE.ANY) return { rcode: RCODE.NOERROR, answers: [] };
  const ips = [...new Set(hits.map((m) => m.ip))];
  return { rcode: RCODE.NOERROR, answers: ips.map((ip) => ({ name: question.name, type: TYPE.A, ttl: TTL, data: ipv4Data(ip) })) };
}
