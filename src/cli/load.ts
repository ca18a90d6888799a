/**
 * load — lazy requires for command implementations, one function per module. Each is a
 * literal require() so that esbuild can put the module in the bundle (dist/tsnet.cjs) and
 * still initialise it only when the command runs; with tsc's output it is a plain require.
 * require(), not import(): a dynamic import() would route every lazily loaded module
 * through the ESM loader, which runs cjs-module-lexer over each file (about 20 ms of a
 * cold attach).
 */
/* tsnet-lint-disable no-require -- lazy loads for CLI start-up time; require(), not import(), as said above */
export const load = {
  context: () => require('../engine/context.js') as typeof import('../engine/context.js'),
  defaultNetwork: () => require('../network/default-network.js') as typeof import('../network/default-network.js'),
  detach: () => require('../attach/detach.js') as typeof import('../attach/detach.js'),
  keeper: () => require('../dhcp/keeper.js') as typeof import('../dhcp/keeper.js'),
  supervise: () => require('../dhcp/supervise.js') as typeof import('../dhcp/supervise.js'),
  dhcpStatus: () => require('../dhcp/status.js') as typeof import('../dhcp/status.js'),
  unitFile: () => require('../dhcp/unit-file.js') as typeof import('../dhcp/unit-file.js'),
  keeperNetns: () => require('../dhcp/keeper-netns.js') as typeof import('../dhcp/keeper-netns.js'),
  gc: () => require('../network/gc.js') as typeof import('../network/gc.js'),
  grammar: () => require('../attach/grammar.js') as typeof import('../attach/grammar.js'),
  guestCommands: () => require('../attach/guest-commands.js') as typeof import('../attach/guest-commands.js'),
  guestRef: () => require('../netns/guest-ref.js') as typeof import('../netns/guest-ref.js'),
  view: () => require('../attach/view.js') as typeof import('../attach/view.js'),
  liveState: () => require('../attach/live-state.js') as typeof import('../attach/live-state.js'),
  names: () => require('../core/names.js') as typeof import('../core/names.js'),
  network: () => require('../network/network.js') as typeof import('../network/network.js'),
  networkRemove: () => require('../network/network-remove.js') as typeof import('../network/network-remove.js'),
  networkView: () => require('../network/network-view.js') as typeof import('../network/network-view.js'),
  connect: () => require('../network/connect.js') as typeof import('../network/connect.js'),
  prune: () => require('../network/prune.js') as typeof import('../network/prune.js'),
  pruneFilter: () => require('../network/prune-filter.js') as typeof import('../network/prune-filter.js'),
  ports: () => require('../network/ports.js') as typeof import('../network/ports.js'),
  portSpec: () => require('../nat/port-spec.js') as typeof import('../nat/port-spec.js'),
  guest: () => require('../netns/guest.js') as typeof import('../netns/guest.js'),
  imageStore: () => require('../images/image-store.js') as typeof import('../images/image-store.js'),
  reference: () => require('../images/reference.js') as typeof import('../images/reference.js'),
  pull: () => require('../images/pull.js') as typeof import('../images/pull.js'),
  push: () => require('../images/push.js') as typeof import('../images/push.js'),
  credentials: () => require('../images/credentials.js') as typeof import('../images/credentials.js'),
  registryClient: () => require('../images/registry-client.js') as typeof import('../images/registry-client.js'),
  save: () => require('../images/save.js') as typeof import('../images/save.js'),
  loadArchive: () => require('../images/load.js') as typeof import('../images/load.js'),
  storageDriver: () => require('../storage/driver.js') as typeof import('../storage/driver.js'),
  daemon: () => require('../daemon/server.js') as typeof import('../daemon/server.js'),
  daemonClient: () => ({
    paths: require('../daemon/paths.js') as typeof import('../daemon/paths.js'),
    client: require('../daemon/client.js') as typeof import('../daemon/client.js'),
    pidfile: require('../daemon/pidfile.js') as typeof import('../daemon/pidfile.js'),
  }),
  db: () => require('../state/db.js') as typeof import('../state/db.js'),
  imageImport: () => require('../images/import.js') as typeof import('../images/import.js'),
  createContainer: () => require('../runtime/create.js') as typeof import('../runtime/create.js'),
  startContainer: () => require('../runtime/start.js') as typeof import('../runtime/start.js'),
  lifecycle: () => require('../runtime/lifecycle.js') as typeof import('../runtime/lifecycle.js'),
  reconcile: () => require('../runtime/reconcile.js') as typeof import('../runtime/reconcile.js'),
  containerView: () => require('../runtime/view.js') as typeof import('../runtime/view.js'),
  etcWriter: () => require('../runtime/etc-writer.js') as typeof import('../runtime/etc-writer.js'),
  containerConnect: () => require('../runtime/connect.js') as typeof import('../runtime/connect.js'),
  containerExec: () => require('../runtime/exec.js') as typeof import('../runtime/exec.js'),
  containerLogs: () => require('../runtime/logs.js') as typeof import('../runtime/logs.js'),
  containerTop: () => require('../runtime/top.js') as typeof import('../runtime/top.js'),
  containerGc: () => require('../runtime/gc.js') as typeof import('../runtime/gc.js'),
  labGc: () => require('../lab/gc.js') as typeof import('../lab/gc.js'),
  containerExport: () => require('../runtime/export-commit.js') as typeof import('../runtime/export-commit.js'),
  containerCp: () => require('../runtime/cp.js') as typeof import('../runtime/cp.js'),
  runtimeSpecParse: () => require('../runtime/spec-parse.js') as typeof import('../runtime/spec-parse.js'),
};
/* tsnet-lint-enable no-require */
