/**
 * listing-fields — the keys of each object kind a listing prints (the kinds of json-schema.ts),
 * so that --format checks a template's fields when the listing is empty too. A copy, because the
 * schemas need zod (about 100 ms to load) and the command path loads none of it; a unit test
 * (test/unit/cli/format-template.test.ts) fails when a list differs from its schema.
 * @pure
 */
export const LISTING_FIELDS = {
  attachment: ['guest', 'netnsId', 'interface', 'kind', 'hostInterface', 'attachedTo', 'network', 'mac', 'vlan', 'addresses', 'gateway', 'gateway6', 'createdAt', 'dhcp', 'state'],
  network: ['id', 'name', 'bridge', 'subnet', 'gateway', 'ipRange', 'subnet6', 'gateway6', 'mtu', 'internal', 'icc', 'ipMasq', 'firewall', 'bridgeCreated', 'dhcpServer', 'createdAt', 'members'],
  portMapping: ['guest', 'interface', 'network', 'protocol', 'hostIp', 'hostPort', 'containerIp', 'containerPort'],
  image: ['id', 'manifestDigest', 'manifestMediaType', 'size', 'created', 'addedAt', 'layers', 'tags'],
  container: ['id', 'name', 'image', 'imageId', 'command', 'state', 'pid', 'exitCode', 'oomKilled', 'error', 'createdAt', 'startedAt', 'finishedAt', 'restartCount', 'hostname', 'networkMode', 'networks', 'interfaces', 'ports', 'netns', 'config'],
  lab: ['name', 'phase', 'file', 'as', 'hosts', 'networks', 'nodes', 'links', 'routes', 'reach'],
  daemonStatus: ['pid', 'root', 'socket', 'protocol', 'uptimeSeconds', 'served', 'running', 'rssBytes', 'heapUsedBytes', 'openFds', 'activeResources', 'heldPorts', 'keeper', 'stale'],
} as const satisfies Record<string, readonly string[]>;
