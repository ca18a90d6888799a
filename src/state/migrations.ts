/**
 * migrations — the schema, as forward-only steps. Index i upgrades user_version i → i+1.
 * UPGRADE HAZARD: never edit a step that has shipped; append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  -- One row per interface tsnet put into a guest.
  CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    guest        TEXT NOT NULL,              -- as the user named it: netns:web, pid:42, path:/x
    netns_id     TEXT NOT NULL,              -- net:[inode] of the guest netns at attach time
    ctr_if       TEXT NOT NULL,              -- name inside the guest
    kind         TEXT NOT NULL CHECK (kind IN ('veth', 'macvlan', 'phys')),
    host_if      TEXT NOT NULL,              -- veth host end; macvlan/phys: the parent/NIC name
    host_target  TEXT NOT NULL,              -- bridge (veth) or parent interface (macvlan/phys)
    mac          TEXT,
    vlan         INTEGER,
    spec_key     TEXT NOT NULL,              -- canonical request, for "same attach twice" detection
    spec         TEXT NOT NULL,              -- JSON of the request, for inspect
    gateway      TEXT,
    replaced_default TEXT,                   -- JSON of the default route(s) the gateway replaced
    created_at   TEXT NOT NULL,
    UNIQUE (netns_id, ctr_if)
  );
  CREATE UNIQUE INDEX attachments_veth_host_if ON attachments(host_if) WHERE kind = 'veth';
  CREATE UNIQUE INDEX attachments_phys ON attachments(host_if) WHERE kind = 'phys';
  CREATE INDEX attachments_guest ON attachments(guest);
  -- Bridges tsnet created (name starts with br and was missing): removed again when the
  -- last attachment leaves them and nothing else uses them.
  CREATE TABLE created_bridges (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
  );
  -- Every static address handed out, unique per L2 segment (bridge or parent NIC).
  CREATE TABLE attachment_addresses (
    attachment_id INTEGER NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
    segment       TEXT NOT NULL,
    ip            TEXT NOT NULL,
    cidr          TEXT NOT NULL,
    UNIQUE (segment, ip)
  );
  `,
  `
  -- Bridge networks (docker network equivalents). Subnet selection and the insert happen in
  -- one IMMEDIATE transaction, so concurrent creates never pick overlapping subnets.
  CREATE TABLE networks (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    bridge         TEXT NOT NULL UNIQUE,
    subnet         TEXT NOT NULL UNIQUE,
    gateway        TEXT NOT NULL,
    ip_range       TEXT,
    mtu            INTEGER NOT NULL,
    bridge_created INTEGER NOT NULL,
    created_at     TEXT NOT NULL
  );
  `,
  `
  ALTER TABLE networks ADD COLUMN internal INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE networks ADD COLUMN ip_masq INTEGER NOT NULL DEFAULT 1;
  `,
  `
  -- Published ports. One row per host port; a wildcard (0.0.0.0) and a specific address on
  -- the same port and protocol are checked against each other in the reserving transaction.
  CREATE TABLE ports (
    id             INTEGER PRIMARY KEY,
    attachment_id  INTEGER NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
    protocol       TEXT NOT NULL CHECK (protocol IN ('tcp', 'udp', 'sctp')),
    host_ip        TEXT NOT NULL,
    host_port      INTEGER NOT NULL CHECK (host_port BETWEEN 1 AND 65535),
    container_ip   TEXT NOT NULL,
    container_port INTEGER NOT NULL CHECK (container_port BETWEEN 1 AND 65535),
    UNIQUE (protocol, host_ip, host_port)
  );
  `,
  `
  -- --iptables=false networks have no firewall chains; a pre-existing bridge address (-b)
  -- is not tsnet's to remove.
  ALTER TABLE networks ADD COLUMN firewall INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE networks ADD COLUMN gateway_added INTEGER NOT NULL DEFAULT 1;
  `,
  `
  -- --icc=false: members of the network cannot reach each other (isolated bridge ports).
  ALTER TABLE networks ADD COLUMN icc INTEGER NOT NULL DEFAULT 1;
  `,
  `
  -- Dual-stack networks: an IPv6 subnet and gateway beside the IPv4 ones (NULL: IPv4 only).
  ALTER TABLE networks ADD COLUMN subnet6 TEXT;
  ALTER TABLE networks ADD COLUMN gateway6 TEXT;
  CREATE UNIQUE INDEX networks_subnet6 ON networks (subnet6);
  `,
  `
  -- DHCP client leases (issue 5), one per attachment made with IPSPEC dhcp. The lease keeper
  -- process renews them; lease is the JSON of the last ACK (null while re-acquiring).
  CREATE TABLE dhcp_leases (
    attachment_id INTEGER PRIMARY KEY REFERENCES attachments(id) ON DELETE CASCADE,
    mac           TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    hostname      TEXT,
    params        TEXT NOT NULL,             -- JSON array: the parameter request list (55)
    phase         TEXT NOT NULL,             -- client state: BOUND, RENEWING, REBINDING, SELECTING...
    lease         TEXT,
    updated_at    TEXT NOT NULL
  );
  -- The last address each client-id held, for INIT-REBOOT when the guest comes back.
  CREATE TABLE dhcp_memory (
    client_id  TEXT PRIMARY KEY,
    address    TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  -- The lease keeper process of this state root: pid plus its start time from /proc, so a
  -- recycled pid is never mistaken for it.
  CREATE TABLE dhcp_keeper (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    pid        INTEGER NOT NULL,
    start_time TEXT NOT NULL,
    started_at TEXT NOT NULL
  );
  -- DHCP servers on network bridges (network create --dhcp-server): config as JSON.
  CREATE TABLE dhcp_servers (
    network_id INTEGER PRIMARY KEY REFERENCES networks(id) ON DELETE CASCADE,
    config     TEXT NOT NULL
  );
  -- What those servers handed out. One lease per client and per address on a network.
  CREATE TABLE dhcp_server_leases (
    network_id INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    ip         TEXT NOT NULL,
    client_key TEXT NOT NULL,
    mac        TEXT NOT NULL,
    hostname   TEXT,
    state      TEXT NOT NULL CHECK (state IN ('offered', 'bound', 'declined')),
    expires_at INTEGER NOT NULL,              -- ms since the epoch
    UNIQUE (network_id, ip),
    UNIQUE (network_id, client_key)
  );
  `,
  `
  -- Images (issue 4). Layers are named by chain id (their whole ancestry) and unpacked once
  -- by the graph driver; an image lists its layers bottom to top. A layer is in use while
  -- any image_layers row names it: removing an image frees only layers nothing else uses.
  CREATE TABLE layers (
    chain_id        TEXT PRIMARY KEY,
    diff_id         TEXT NOT NULL,
    parent          TEXT,                       -- chain id below (no FK: parallel pulls record layers out of order)
    blob_digest     TEXT NOT NULL,              -- compressed blob in the content store
    blob_media_type TEXT NOT NULL,
    blob_size       INTEGER NOT NULL,
    diff_size       INTEGER NOT NULL,           -- bytes of the uncompressed tar (docker-archive needs it)
    size            INTEGER NOT NULL,           -- bytes of file content unpacked
    created_at      TEXT NOT NULL
  );
  CREATE TABLE images (
    id                  TEXT PRIMARY KEY,       -- digest of the config blob
    manifest_digest     TEXT NOT NULL,          -- manifest blob in the content store
    manifest_media_type TEXT NOT NULL,
    size                INTEGER NOT NULL,
    created             TEXT,                   -- from the config
    added_at            TEXT NOT NULL
  );
  CREATE TABLE image_layers (
    image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    chain_id  TEXT NOT NULL REFERENCES layers(chain_id),
    PRIMARY KEY (image_id, position)
  );
  CREATE INDEX image_layers_chain ON image_layers(chain_id);
  -- repo:tag -> image, like the seed's TagStore; names are fully qualified.
  CREATE TABLE image_tags (
    name      TEXT PRIMARY KEY,                 -- docker.io/library/busybox:latest
    image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
  );
  CREATE INDEX image_tags_image ON image_tags(image_id);
  -- Writable rootfs made from an image (tsnet mount now, containers later): the image and
  -- its layers stay while one exists.
  CREATE TABLE image_mounts (
    dir       TEXT PRIMARY KEY,
    image_id  TEXT NOT NULL REFERENCES images(id),
    driver    TEXT NOT NULL
  );
  -- Repositories a blob is known to be in, for cross-repository mounts on push.
  CREATE TABLE blob_sources (
    digest      TEXT NOT NULL,
    repository  TEXT NOT NULL,
    PRIMARY KEY (digest, repository)
  );
  `,
  `
  -- Intent records (issue 9, engine/intent.ts): an operation writes one before its first
  -- kernel change and deletes it after its last. One left behind (kill -9, power loss) is
  -- finished or undone by the next command on the same object, or by tsnet gc.
  CREATE TABLE intents (
    id          INTEGER PRIMARY KEY,
    op          TEXT NOT NULL,               -- attach, detach, network-create... (engine/intent-resolvers.ts)
    object      TEXT NOT NULL,               -- what it changes: attachment:<netns id>/<ifname>, network:<name>, ports:<attachment id>
    step        TEXT,                        -- the step started last (NULL: none yet)
    data        TEXT NOT NULL,               -- JSON: what its resolver needs to finish or undo it
    owner_pid   INTEGER NOT NULL,            -- 0: abandoned (its own rollback failed); anyone resolves it
    owner_start TEXT NOT NULL,               -- the owner's start time (core/owner.ts): a recycled pid is not the owner
    started_at  TEXT NOT NULL
  );
  CREATE INDEX intents_object ON intents(object);
  `,
  `
  -- Containers (issue 12). config is the JSON of the resolved process and mounts (image
  -- config merged with the run options); state moves created -> starting -> running ->
  -- exited under a transition guard, with the pid and start time of the tsnet process
  -- doing it (op_pid/op_start), so a start killed half-way is seen as such by gc.
  CREATE TABLE containers (
    id            TEXT PRIMARY KEY,              -- 64 hex, random
    name          TEXT NOT NULL UNIQUE,
    image_id      TEXT NOT NULL REFERENCES images(id),
    image         TEXT NOT NULL,                 -- the reference as given
    config        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('created', 'starting', 'running', 'stopping', 'exited', 'removing')),
    op_pid        INTEGER,
    op_start      TEXT,
    pid           INTEGER,                       -- the container's process (pid 1 inside), while running
    pid_start     TEXT,
    shim_pid      INTEGER,
    shim_start    TEXT,
    netns         TEXT,                          -- the pinned network namespace, while running
    exit_code     INTEGER,
    oom_killed    INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    restart_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX containers_image ON containers(image_id);
  -- The networks a container is connected to, in interface order (eth0, eth1, ...).
  CREATE TABLE container_networks (
    container_id  TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    network       TEXT NOT NULL,
    ip            TEXT,
    mac           TEXT,
    aliases       TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (container_id, network),
    UNIQUE (container_id, position)
  );
  -- What \`tsnet attach\` put into a container by name: made again at each start (pipework #6).
  CREATE TABLE container_reattach (
    container_id  TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    ctr_if        TEXT NOT NULL,
    request       TEXT NOT NULL,
    PRIMARY KEY (container_id, ctr_if)
  );
  `,
  `
  -- DHCP server leases (issue 10): the bridge port each client is behind, for the lease cap
  -- per client (a guest that spoofs MACs is still one port). NULL for leases made before.
  ALTER TABLE dhcp_server_leases ADD COLUMN port TEXT;
  `,
];
