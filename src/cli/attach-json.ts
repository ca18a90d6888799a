/**
 * attach-json — what attach, detach, network connect and network disconnect print: the
 * result (or, with --dry-run, the plan) with each attachment in the one shape `ls` prints,
 * its live state included. Also the human lines of a plan.
 */
import { load } from './load.js';
import { attachmentJson } from './json-shapes.js';
import type { AttachResult } from '../attach/attach.js';
import type { DetachResult } from '../attach/detach.js';
import type { AttachmentView } from '../attach/view.js';
import type { PlanStep } from '../core/plan.js';
import type { EngineContext } from '../engine/context.js';
import type { AttachmentJson, AttachPlanJson, AttachResultJson, DetachPlanJson, DetachResultJson } from './json-schema.js';

/** planLines — a plan for people: "plan:", then "1. step-name: what it does". */
export function planLines(steps: readonly PlanStep[]): string[] {
  return ['plan:', ...steps.map((s, i) => `${i + 1}. ${s.name}: ${s.description}`)];
}

/** liveJson — attachments still in state, as ls shows them now. */
async function liveJson(ctx: EngineContext, views: readonly AttachmentView[]): Promise<AttachmentJson[]> {
  const records = views.flatMap((v) => ctx.attachments.forGuest(v.netnsId, v.guest, v.interface));
  return (await load.liveState().liveViews(ctx, records)).map(attachmentJson);
}

/** A result of connectContainer: no attachment of its own (the container is connected as it runs). */
export type ConnectResult = AttachResult | { changed: boolean; message: string; warnings: string[] };

export async function attachJson(ctx: EngineContext, r: ConnectResult, dryRun: boolean, guestText: string, ctrIf: string | undefined): Promise<AttachResultJson | AttachPlanJson> {
  const attached = 'attachment' in r ? r.attachment : undefined;
  if (dryRun) {
    const p = 'planned' in r ? r.planned : undefined;
    return {
      dryRun: true, changed: false, message: r.message,
      guest: p?.guest ?? attached?.guest ?? guestText, interface: p?.ctrIf ?? attached?.interface ?? ctrIf ?? null,
      hostInterface: p?.hostInterface ?? attached?.hostInterface ?? null, attachedTo: p?.attachedTo ?? attached?.attachedTo ?? null,
      network: p ? p.network : null, steps: ('plan' in r ? r.plan : undefined) ?? [],
    };
  }
  return {
    dryRun: false, changed: r.changed, message: r.message,
    attachment: attached ? ((await liveJson(ctx, [attached]))[0] ?? null) : null,
    warnings: 'warnings' in r ? r.warnings : [],
  };
}

export async function detachJson(ctx: EngineContext, r: DetachResult | { changed: boolean; message: string; warnings: string[] }, dryRun: boolean): Promise<DetachResultJson | DetachPlanJson> {
  const removed = 'removed' in r ? r.removed : [];
  if (dryRun) {
    return {
      dryRun: true, changed: false, message: r.message, removed: await liveJson(ctx, removed),
      steps: removed.map((v) => ({ name: 'detach', description: `remove ${v.guest} ${v.interface} (${v.kind} ${v.hostInterface} on ${v.attachedTo}) and forget it` })),
    };
  }
  const { removedView } = load.liveState();
  return {
    dryRun: false, changed: 'changed' in r ? r.changed : removed.length > 0, message: r.message,
    removed: removed.map((v) => attachmentJson(removedView(ctx, v))), warnings: r.warnings,
  };
}
