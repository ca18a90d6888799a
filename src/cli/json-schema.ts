/**
 * json-schema — the fixed shape of every object kind tsnet prints with --json, as zod
 * schemas (the kinds themselves in json-kinds-network.ts and json-kinds-runtime.ts), which
 * command prints which (OUTPUTS), and the document made from them. @pure: imports only zod. The CLI imports only the types from here (`import type`,
 * erased at build time), so zod is never loaded on the command path; tests and
 * scripts/json-schema.mjs load the schemas. docs/json-schema/tsnet-output.schema.json is
 * generated from OUTPUT_KINDS and a unit test keeps it equal to what this file generates.
 *
 * Conventions (BRIEF): every key always present (null when unknown or not applicable), keys
 * camelCase, timestamps RFC 3339 strings, durations in seconds, listings and inspects are
 * arrays of one kind, dry runs are {dryRun: true, ...chosen values, steps}. Objects are
 * strict: a key not listed here fails validation, as does a missing one.
 *
 * Changing a kind changes what scripts that read tsnet's JSON see: add keys rather than
 * rename them, and regenerate the document (npm run build does).
 */
import { z } from 'zod';
import { errorKind, planStep } from './json-kinds-base.js';
import {
  attachment, attachPlan, attachResult, detachPlan, detachResult, dhcpLease, dhcpStatus, dhcpUnit, gcAction, gcReport, guestCommand,
  initResult, network, networkPlan, networkPrune, networkRemoval, portMapping, portsPlan,
} from './json-kinds-network.js';
import {
  container, containerExit, containerProcess, containerRef, containerResult, daemonStatus, image, imageRemoval, imageTag, lab, labApplyPlan,
  labDown, labDownPlan, labLinkPlan, labUpPlan, pulledImage, pushResult, registryLogin, registryLogout, rootfsMount, rootfsUnmount,
} from './json-kinds-runtime.js';

export * from './json-kinds-base.js';
export * from './json-kinds-network.js';
export * from './json-kinds-runtime.js';

/**
 * OUTPUT_KINDS — every kind, by the name the schema document uses ($defs) and tests use.
 * Listings and inspects print z.array(kind); see OUTPUTS for which command prints what.
 */
export const OUTPUT_KINDS = {
  error: errorKind,
  planStep,
  attachment,
  attachResult,
  attachPlan,
  detachResult,
  detachPlan,
  network,
  initResult,
  networkPlan,
  networkRemoval,
  networkPrune,
  dhcpLease,
  dhcpStatus,
  dhcpUnit,
  portMapping,
  portsPlan,
  gcReport,
  image,
  pulledImage,
  pushResult,
  imageTag,
  imageRemoval,
  rootfsMount,
  rootfsUnmount,
  registryLogin,
  registryLogout,
  containerProcess,
  guestCommand,
  container,
  containerRef,
  containerResult,
  containerExit,
  daemonStatus,
  lab,
  labDown,
  labUpPlan,
  labApplyPlan,
  labLinkPlan,
  labDownPlan,
} as const;

export type OutputKind = keyof typeof OUTPUT_KINDS;

/** OUTPUTS — the JSON each command prints: a kind, or an array of a kind ("kind[]"). */
export const OUTPUTS: Record<string, `${OutputKind}` | `${OutputKind}[]`> = {
  'ls': 'attachment[]',
  'inspect GUEST': 'attachment[]',
  'inspect CONTAINER': 'container[]',
  'attach': 'attachResult',
  'attach --dry-run': 'attachPlan',
  'detach': 'detachResult',
  'detach --dry-run': 'detachPlan',
  'network connect': 'attachResult',
  'network connect --dry-run': 'attachPlan',
  'network disconnect': 'detachResult',
  'network disconnect --dry-run': 'detachPlan',
  'init': 'initResult',
  'init --dry-run': 'networkPlan',
  'network create': 'network',
  'network create --dry-run': 'networkPlan',
  'network prune': 'networkPrune',
  'network prune --dry-run': 'networkPrune',
  'dhcp status': 'dhcpStatus',
  'dhcp leases': 'dhcpLease[]',
  'dhcp unit': 'dhcpUnit',
  'network ls': 'network[]',
  'network inspect': 'network[]',
  'network rm': 'networkRemoval[]',
  'network rm --dry-run': 'networkRemoval[]',
  'port': 'portMapping[]',
  'port ls': 'portMapping[]',
  'port publish': 'portMapping[]',
  'port publish --dry-run': 'portsPlan',
  'port unpublish --dry-run': 'portsPlan',
  'port unpublish': 'portMapping[]',
  'gc': 'gcReport',
  'gc --dry-run': 'gcReport',
  'images': 'image[]',
  'import': 'image',
  'load': 'image[]',
  'commit': 'image',
  'tag': 'imageTag',
  'rmi': 'imageRemoval[]',
  'pull': 'pulledImage',
  'push': 'pushResult',
  'login': 'registryLogin',
  'logout': 'registryLogout',
  'mount': 'rootfsMount',
  'umount': 'rootfsUnmount',
  'top': 'containerProcess[]',
  'route': 'guestCommand',
  'rule': 'guestCommand',
  'tc': 'guestCommand',
  'ps': 'container[]',
  'create': 'containerRef',
  'run -d': 'containerRef',
  'start': 'containerResult[]',
  'stop': 'containerResult[]',
  'kill': 'containerResult[]',
  'restart': 'containerResult[]',
  'rm': 'containerResult[]',
  'wait': 'containerExit[]',
  'daemon status': 'daemonStatus',
  'lab ls': 'lab[]',
  'lab up': 'lab',
  'lab down': 'labDown',
  'lab status': 'lab',
  'lab up --dry-run': 'labUpPlan',
  'lab apply --dry-run': 'labApplyPlan',
  'lab netem --dry-run': 'labLinkPlan',
  'lab link --dry-run': 'labLinkPlan',
  'lab down --dry-run': 'labDownPlan',
  '(any failure)': 'error',
};

/** schemaFor — the validator of what OUTPUTS says a command prints. */
export function schemaFor(kindText: string): z.ZodType {
  const many = kindText.endsWith('[]');
  const name = (many ? kindText.slice(0, -2) : kindText) as OutputKind;
  const kind = OUTPUT_KINDS[name];
  if (!kind) throw new Error(`no JSON output kind named ${name}`);
  return many ? z.array(kind) : kind;
}

/** outputSchemaDocument — the JSON Schema document committed as docs/json-schema/tsnet-output.schema.json. */
export function outputSchemaDocument(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [name, kind] of Object.entries(OUTPUT_KINDS)) registry.add(kind, { id: name });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/$defs/${id}` });
  const defs: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schemas)) {
    const { $schema: _drop, $id: _id, ...rest } = s as Record<string, unknown>;
    defs[name] = rest;
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://tsnet.invalid/json-schema/tsnet-output.schema.json',
    title: 'tsnet --json output',
    description: 'Every object kind tsnet prints with --json. x-tsnet-outputs maps each command to the kind it prints ("kind[]": an array of it). Generated from src/cli/json-schema.ts; do not edit.',
    'x-tsnet-outputs': OUTPUTS,
    $defs: defs,
  };
}

export type AttachmentJson = z.infer<typeof attachment>;
export type AttachResultJson = z.infer<typeof attachResult>;
export type AttachPlanJson = z.infer<typeof attachPlan>;
export type DetachResultJson = z.infer<typeof detachResult>;
export type DetachPlanJson = z.infer<typeof detachPlan>;
export type NetworkJson = z.infer<typeof network>;
export type InitResultJson = z.infer<typeof initResult>;
export type NetworkRemovalJson = z.infer<typeof networkRemoval>;
export type PortMappingJson = z.infer<typeof portMapping>;
export type PortsPlanJson = z.infer<typeof portsPlan>;
export type GcActionJson = z.infer<typeof gcAction>;
export type GcReportJson = z.infer<typeof gcReport>;
export type ImageJson = z.infer<typeof image>;
export type PulledImageJson = z.infer<typeof pulledImage>;
export type PushResultJson = z.infer<typeof pushResult>;
export type ImageRemovalJson = z.infer<typeof imageRemoval>;
export type RootfsMountJson = z.infer<typeof rootfsMount>;
export type RegistryLogoutJson = z.infer<typeof registryLogout>;
export type ContainerProcessJson = z.infer<typeof containerProcess>;
export type ContainerJson = z.infer<typeof container>;
export type ContainerRefJson = z.infer<typeof containerRef>;
export type ContainerResultJson = z.infer<typeof containerResult>;
export type ContainerExitJson = z.infer<typeof containerExit>;
export type DaemonStatusJson = z.infer<typeof daemonStatus>;
export type NetworkPlanJson = z.infer<typeof networkPlan>;
export type NetworkPruneJson = z.infer<typeof networkPrune>;
export type DhcpUnitJson = z.infer<typeof dhcpUnit>;
export type DhcpStatusJson = z.infer<typeof dhcpStatus>;
export type DhcpLeaseJson = z.infer<typeof dhcpLease>;
export type LabJson = z.infer<typeof lab>;
export type LabDownJson = z.infer<typeof labDown>;
export type LabUpPlanJson = z.infer<typeof labUpPlan>;
export type LabLinkPlanJson = z.infer<typeof labLinkPlan>;
export type LabApplyPlanJson = z.infer<typeof labApplyPlan>;
export type LabDownPlanJson = z.infer<typeof labDownPlan>;
