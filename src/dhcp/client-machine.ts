/**
 * client-machine — the RFC 2131 §4.4 client as pure transitions: (state, event) → (state,
 * actions). Time and randomness come in as arguments and timers go out as data (`wakeAt`),
 * so every path — retransmission, NAK, T1/T2, expiry, INIT-REBOOT — is unit-tested
 * without sockets or clocks. The effectful driver (session.ts) sends what it is told,
 * applies leases, and calls onTimer at wakeAt.
 * @pure
 */
import { DhcpDecodeError, type DhcpPacket } from './packet.js';
import { MSG, clientMessage, leaseOf, messageName, messageType, type ClientIdentity, type Lease } from './options.js';

export type Phase = 'INIT-REBOOT' | 'SELECTING' | 'REQUESTING' | 'BOUND' | 'RENEWING' | 'REBINDING';

/** BoundLease — a lease and the moment it was granted (ms since the epoch). */
export interface BoundLease extends Lease {
  boundAt: number;
}

export interface ClientState {
  phase: Phase;
  xid: number;
  /** When this exchange started (ms), for `secs` and retransmission counting. */
  startedAt: number;
  attempt: number;
  /** The next timer: a retransmission, T1, T2 or expiry (ms). */
  wakeAt: number;
  /** REQUESTING: the offer being requested. INIT-REBOOT: the address asked for again. */
  offer?: Lease | undefined;
  /** SELECTING: an address to ask for in the DISCOVER (option 50), e.g. after INIT-REBOOT. */
  wanted?: string | undefined;
  /** BOUND/RENEWING/REBINDING: the lease held. */
  lease?: BoundLease | undefined;
}

export type Action =
  | { kind: 'send'; packet: DhcpPacket; to: string }
  /** Apply the lease (first time, renewed, or replacing `previous` when the address changed). */
  | { kind: 'bound'; lease: BoundLease; previous?: BoundLease | undefined }
  /** The lease is gone (expired or NAKed): remove its address and routes. */
  | { kind: 'lost'; lease: BoundLease; why: string }
  | { kind: 'log'; message: string };

export interface Transition { state: ClientState; actions: Action[] }

export interface Env {
  id: ClientIdentity;
  now: number;
  /** A fresh random transaction id. */
  newXid: () => number;
}

const BROADCAST = '255.255.255.255';
/** REQUESTING gives up after this many sends and starts over with DISCOVER. */
const MAX_REQUESTS = 3;
/**
 * INIT-REBOOT is sent twice (the first may be lost while a new bridge port comes up): a
 * non-authoritative server (dnsmasq's default) stays silent about an address it has no
 * lease for, so after 0.75 s the client DISCOVERs, still asking for that address (50).
 */
const MAX_REBOOT_REQUESTS = 2;

/**
 * retransmitDelay — 0.25 s, 0.5 s, 1 s … 32 s. RFC 2131 §4.1 doubles from 4 s; tsnet starts
 * short because the first DISCOVER of an attach often leaves while the new bridge port is
 * still coming up (the kernel enables it asynchronously) and is lost.
 */
export function retransmitDelay(attempt: number): number {
  return Math.min(32_000, 250 * 2 ** attempt);
}

export const t1At = (l: BoundLease): number => l.boundAt + l.t1Secs * 1000;
export const t2At = (l: BoundLease): number => l.boundAt + l.t2Secs * 1000;
export const expiresAt = (l: BoundLease): number => l.boundAt + l.leaseSecs * 1000;

/** start — a new client: INIT-REBOOT of a remembered address, else DISCOVER. */
export function start(env: Env, rememberedAddress?: string): Transition {
  if (rememberedAddress) return rebootRequest(env, rememberedAddress, env.newXid(), 0, env.now);
  return discover(env, env.newXid(), 0, env.now);
}

/** resume — a lease read back from state (keeper restart): straight to the phase the clock says. */
export function resume(env: Env, lease: BoundLease): Transition {
  const bound: ClientState = { phase: 'BOUND', xid: 0, startedAt: env.now, attempt: 0, wakeAt: t1At(lease), lease };
  return env.now < t1At(lease) ? { state: bound, actions: [] } : onTimer(bound, env);
}

function discover(env: Env, xid: number, attempt: number, startedAt: number, wanted?: string): Transition {
  const packet = clientMessage(env.id, { type: MSG.DISCOVER, xid, secs: secs(env, startedAt), requestedIp: wanted, broadcast: true });
  return {
    state: { phase: 'SELECTING', xid, startedAt, attempt, wakeAt: env.now + retransmitDelay(attempt), wanted },
    actions: [{ kind: 'send', packet, to: BROADCAST }],
  };
}

function rebootRequest(env: Env, address: string, xid: number, attempt: number, startedAt: number): Transition {
  const packet = clientMessage(env.id, { type: MSG.REQUEST, xid, secs: secs(env, startedAt), requestedIp: address, broadcast: true });
  const offer = { address } as Lease;
  return {
    state: { phase: 'INIT-REBOOT', xid, startedAt, attempt, wakeAt: env.now + retransmitDelay(attempt), offer },
    actions: [{ kind: 'send', packet, to: BROADCAST }],
  };
}

function select(env: Env, s: ClientState, offer: Lease, attempt: number): Transition {
  const packet = clientMessage(env.id, {
    type: MSG.REQUEST, xid: s.xid, secs: secs(env, s.startedAt), requestedIp: offer.address, serverId: offer.serverId, broadcast: true,
  });
  return {
    state: { ...s, phase: 'REQUESTING', attempt, wakeAt: env.now + retransmitDelay(attempt), offer },
    actions: [{ kind: 'send', packet, to: BROADCAST }],
  };
}

/** extend — REQUEST with ciaddr: unicast to the server (RENEWING) or broadcast (REBINDING). */
function extend(env: Env, s: ClientState, phase: 'RENEWING' | 'REBINDING', lease: BoundLease, xid: number, attempt: number): Transition {
  const until = phase === 'RENEWING' ? t2At(lease) : expiresAt(lease);
  // RFC 2131 §4.4.5: wait half the remaining time (at least a second here) before resending.
  const wakeAt = Math.min(until, env.now + Math.max(1000, (until - env.now) / 2));
  const packet = clientMessage(env.id, { type: MSG.REQUEST, xid, ciaddr: lease.address, broadcast: false });
  return {
    state: { phase, xid, startedAt: env.now, attempt, wakeAt, lease },
    actions: [{ kind: 'send', packet, to: phase === 'RENEWING' ? lease.serverId : BROADCAST }],
  };
}

function secs(env: Env, startedAt: number): number {
  return Math.min(0xffff, Math.max(0, Math.floor((env.now - startedAt) / 1000)));
}

function bind(env: Env, s: ClientState, lease: Lease, log: string): Transition {
  const bound: BoundLease = { ...lease, boundAt: env.now };
  const previous = s.lease;
  return {
    state: { phase: 'BOUND', xid: s.xid, startedAt: env.now, attempt: 0, wakeAt: t1At(bound), lease: bound },
    actions: [{ kind: 'bound', lease: bound, previous }, { kind: 'log', message: log }],
  };
}

/** lose — NAK or expiry while holding a lease: give it up, then DISCOVER from scratch. */
function lose(env: Env, lease: BoundLease, why: string): Transition {
  const next = discover(env, env.newXid(), 0, env.now);
  return { state: next.state, actions: [{ kind: 'lost', lease, why }, { kind: 'log', message: `lease of ${lease.address} lost: ${why}` }, ...next.actions] };
}

/** onPacket — a datagram from port 67. Anything not for this exchange is ignored (logged). */
export function onPacket(s: ClientState, env: Env, p: DhcpPacket): Transition {
  try {
    return reply(s, env, p);
  } catch (e) {
    // A malformed reply (bad mask, bad address, …) is dropped; the exchange carries on.
    if (e instanceof DhcpDecodeError) return { state: s, actions: [{ kind: 'log', message: `ignored a malformed reply: ${e.message}` }] };
    throw e;
  }
}

function reply(s: ClientState, env: Env, p: DhcpPacket): Transition {
  const ignore = (why: string): Transition => ({ state: s, actions: [{ kind: 'log', message: `ignored a reply: ${why}` }] });
  // Replies to other clients on the segment are normal traffic: dropped without a word.
  if (p.xid !== s.xid || s.phase === 'BOUND') return { state: s, actions: [] };
  if (p.op !== 2) return ignore('not a BOOTREPLY');
  if (p.chaddr !== env.id.mac) return ignore(`it is for ${p.chaddr}`);
  const type = messageType(p);
  if (type === MSG.NAK) {
    if (s.lease) return lose(env, s.lease, `server NAKed the ${s.phase === 'RENEWING' ? 'renewal' : 'rebinding'}`);
    const next = discover(env, env.newXid(), 0, env.now);
    return { state: next.state, actions: [{ kind: 'log', message: `${s.phase}: server NAKed ${s.offer?.address ?? ''}; starting over` }, ...next.actions] };
  }
  if (s.phase === 'SELECTING') {
    if (type !== MSG.OFFER) return ignore(`${messageName(type)} while selecting`);
    const offer = leaseOf(p);
    return withLog(select(env, s, offer, 0), `OFFER of ${offer.address} from ${offer.serverId}`);
  }
  if (type !== MSG.ACK) return ignore(`${messageName(type)} while ${s.phase}`);
  const lease = leaseOf(p, s.offer?.serverId ?? s.lease?.serverId);
  const verb = s.phase === 'RENEWING' ? 'renewed' : s.phase === 'REBINDING' ? 'rebound' : s.phase === 'INIT-REBOOT' ? 'reboot: kept' : 'bound';
  return bind(env, s, lease, `${verb} ${lease.address}/${lease.prefix} from ${lease.serverId} for ${lease.leaseSecs}s (T1 ${lease.t1Secs}s, T2 ${lease.t2Secs}s)`);
}

/** onTimer — wakeAt has passed: retransmit, move to RENEWING/REBINDING, or expire. */
export function onTimer(s: ClientState, env: Env): Transition {
  if (env.now < s.wakeAt) return { state: s, actions: [] };
  switch (s.phase) {
    case 'SELECTING':
      return discover(env, s.xid, s.attempt + 1, s.startedAt, s.wanted);
    case 'INIT-REBOOT':
      if (s.attempt + 1 >= MAX_REBOOT_REQUESTS) return withLog(discover(env, env.newXid(), 0, s.startedAt, s.offer?.address), `no answer to INIT-REBOOT of ${s.offer?.address}; discovering`);
      return rebootRequest(env, s.offer!.address, s.xid, s.attempt + 1, s.startedAt);
    case 'REQUESTING':
      if (s.attempt + 1 >= MAX_REQUESTS) return withLog(discover(env, env.newXid(), 0, env.now), `no ACK for ${s.offer?.address}; discovering again`);
      return select(env, s, s.offer!, s.attempt + 1);
    case 'BOUND':
    case 'RENEWING':
    case 'REBINDING': {
      const lease = s.lease!;
      if (env.now >= expiresAt(lease)) return lose(env, lease, 'expired without an answer from any server');
      if (env.now >= t2At(lease)) {
        const fresh = s.phase !== 'REBINDING';
        return withLog(extend(env, s, 'REBINDING', lease, fresh ? env.newXid() : s.xid, fresh ? 0 : s.attempt + 1), fresh ? `T2: rebinding ${lease.address} (broadcast)` : undefined);
      }
      const fresh = s.phase === 'BOUND';
      return withLog(extend(env, s, 'RENEWING', lease, fresh ? env.newXid() : s.xid, fresh ? 0 : s.attempt + 1), fresh ? `T1: renewing ${lease.address} with ${lease.serverId}` : undefined);
    }
  }
}

function withLog(t: Transition, message: string | undefined): Transition {
  return message ? { state: t.state, actions: [{ kind: 'log', message }, ...t.actions] } : t;
}
