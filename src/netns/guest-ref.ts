/**
 * guest-ref — how a user names a guest (a tsnet container, a named netns, a pid, a netns
 * path) and its stable text form in state. Pure data; netns/guest.ts resolves it to an fd.
 * It lives here, below attach/ and network/, because netns/ and dhcp/ need it too.
 * @pure
 */

/** GuestRef — how the user named the guest; resolved to a netns fd once, then never again. */
export type GuestRef =
  | { kind: 'container'; name: string }
  /** explicit: named as netns:NAME, so never taken for a container of the same name. */
  | { kind: 'netns'; name: string; explicit?: boolean | undefined }
  | { kind: 'pid'; pid: number }
  | { kind: 'path'; path: string };

/** describeGuest — stable text form of a GuestRef, stored in state and shown by ls. */
export function describeGuest(g: GuestRef): string {
  switch (g.kind) {
    case 'container': return `container:${g.name}`;
    case 'netns': return `netns:${g.name}`;
    case 'pid': return `pid:${g.pid}`;
    case 'path': return `path:${g.path}`;
  }
}

/** guestFromText — the inverse of describeGuest, for rows read back from state. */
export function guestFromText(text: string): GuestRef {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  switch (kind) {
    case 'container': return { kind, name: rest };
    case 'netns': return { kind, name: rest, explicit: true };
    case 'pid': return { kind, pid: Number(rest) };
    default: return { kind: 'path', path: rest };
  }
}
