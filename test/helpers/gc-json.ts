/**
 * gc-json — reading `tsnet gc --json` (the gcReport kind of src/cli/json-schema.ts) in tests:
 * the targets of one kind of action, e.g. the networks whose firewall was restored.
 */
export interface GcJson {
  dryRun: boolean;
  actions: Array<{ action: string; kind: string; target: string; detail: string | null }>;
  errors: Array<{ kind: string; error: string }>;
}

export function gcJson(stdout: string): GcJson {
  return JSON.parse(stdout) as GcJson;
}

/** gcTargets — what gc did (or would do) something of this kind to: 'record', 'interface', 'bridge', 'firewall', 'network', 'port'. */
export function gcTargets(stdout: string, kind: string): string[] {
  return gcJson(stdout).actions.filter((a) => a.kind === kind).map((a) => a.target);
}
