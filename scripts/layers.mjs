// layers — the one map of DESIGN.md's layers ("data flows down, never up") that
// `npm run lint` (scripts/lint.mjs, rule `layers`) checks every import under src/ against.
// Top to bottom: a file may import from its own layer or any layer below it, never above.
// Every folder under src/ must be in exactly one layer (the lint fails on a folder that is
// not, and on a listed folder that does not exist), so a new folder is placed on purpose.

/** LAYERS — highest first. `why` says where a folder DESIGN.md does not list was put. */
export const LAYERS = [
  { name: 'entry points', folders: ['cli', 'cni', 'api', 'lab', 'daemon'],
    why: 'daemon serves the CLI and CNI over a socket: an entry point like them (it imports cli, cni, engine)' },
  { name: 'engine', folders: ['engine'] },
  // DESIGN.md's orchestration layer, ordered inside: runtime connects its containers to
  // networks, and network calls attach ("attach never calls network").
  { name: 'containers', folders: ['runtime'] },
  { name: 'networks', folders: ['network'] },
  { name: 'orchestration', folders: ['attach', 'images'] },
  { name: 'kernel-facing', folders: ['bridge', 'veth', 'netns', 'nat', 'dhcp', 'storage', 'netlink', 'dns', 'tc', 'vxlan'],
    why: 'dns (the embedded resolver), tc (qdiscs) and vxlan (tunnels) each drive one kernel concern and import only core, state, ipam, netns, netlink' },
  { name: 'base', folders: ['core', 'state', 'ipam'] },
];

/**
 * EXCEPTIONS — upward imports that are allowed, each with its reason. `from` lists folders,
 * `to` one file under src/; `typeOnly` allows only `import type` (erased at compile time).
 * The lint fails on an exception that no import uses any more, so this list only shrinks.
 */
export const EXCEPTIONS = [
  { from: ['runtime', 'network', 'attach'], to: 'engine/context.ts', typeOnly: true,
    reason: 'the engine hands its EngineContext down as a parameter; orchestration names its type, never imports its code' },
  { from: ['state'], to: 'dhcp/client-machine.ts', typeOnly: true,
    reason: 'the lease repository stores BoundLease as JSON in the shape the DHCP client defines; moving the protocol types into state/ would split them from their codec' },
  { from: ['state'], to: 'dhcp/server-logic.ts', typeOnly: true,
    reason: 'the DHCP server repository stores ServerConfig and ServerLease as JSON in the shapes the server logic defines (same reason)' },
];
