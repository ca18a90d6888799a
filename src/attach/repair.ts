/**
 * repair — "already attached; nothing to do" only when the kernel agrees with the record:
 * the guest's interface up with its addresses and its default route via the gateway, and
 * for a veth the host end up and a port of its bridge. Whatever differs (someone ran
 * `ip link set eth1 down`, flushed an address, unplugged the port, or a crash left it so)
 * is put back, and the user is told what was. Addresses from DHCP are the keeper's to keep.
 */
import type { LinkOps } from '../netlink/linkops.js';
import type { AttachmentRecord } from '../state/attachments.js';

/** repairAttachment — what was put back, one phrase each ([]: the kernel matched the record). */
export async function repairAttachment(host: LinkOps, inGuest: LinkOps, rec: AttachmentRecord): Promise<string[]> {
  const fixed: string[] = [];
  if (rec.kind === 'veth') {
    const bridge = await host.getLink(rec.hostTarget);
    const port = await host.getLink(rec.hostIf);
    if (bridge && port && (port.masterIndex !== bridge.index || !port.up)) {
      await host.setLink(rec.hostIf, { master: rec.hostTarget, up: true });
      fixed.push(`${rec.hostIf} plugged into ${rec.hostTarget} and up`);
    }
  }
  const dhcp = (rec.spec['ip'] as { mode?: string } | undefined)?.mode === 'dhcp';
  if (!dhcp) {
    const have = new Set((await inGuest.listAddrs(rec.ctrIf)).map((a) => a.cidr));
    for (const cidr of rec.addresses.filter((c) => !have.has(c))) {
      await inGuest.addAddr(rec.ctrIf, cidr, { noDad: true });
      fixed.push(`address ${cidr} put back`);
    }
  }
  const link = await inGuest.getLink(rec.ctrIf);
  if (link && !link.up) {
    await inGuest.setLink(rec.ctrIf, { up: true });
    fixed.push(`${rec.ctrIf} brought up`);
  }
  if (rec.gateway && !dhcp) {
    const family = rec.gateway.includes(':') ? 6 : 4;
    const routes = (await inGuest.listRoutes(family)).filter((r) => r.dst === 'default');
    if (!routes.some((r) => r.gateway === rec.gateway && r.dev === rec.ctrIf)) {
      await inGuest.replaceRoute({ family, dst: 'default', gateway: rec.gateway, dev: rec.ctrIf });
      fixed.push(`default route via ${rec.gateway} put back`);
    }
  }
  return fixed;
}
