/**
 * networks — the repository for bridge networks. create() runs the caller's subnet choice
 * inside the same IMMEDIATE transaction as the insert, so two concurrent `network create
 * --subnet auto` can never pick overlapping subnets; UNIQUE constraints guard names and
 * bridges.
 */
import { TsnetError } from '../core/errors.js';
import { prepare, type Database } from './db.js';
import { DEFAULT_NETWORK } from './stored-values.js';

/** The default network (its value and why it is fixed: stored-values.ts). */
export { DEFAULT_NETWORK };

export interface NetworkRecord {
  id: number;
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  ipRange: string | null;
  /** IPv6 subnet and gateway of a dual-stack network (--ipv6), else null. */
  subnet6: string | null;
  gateway6: string | null;
  mtu: number;
  bridgeCreated: boolean;
  /** No traffic in or out except between members (docker network create --internal). */
  internal: boolean;
  /** MASQUERADE traffic leaving the network. */
  ipMasq: boolean;
  /** Members may talk to each other; false isolates their bridge ports (--icc=false). */
  icc: boolean;
  /** Firewall chains installed (false for --iptables=false). */
  firewall: boolean;
  /** tsnet added the gateway address to the bridge (false when -b brought its own). */
  gatewayAdded: boolean;
  createdAt: string;
}

interface Row {
  id: number; name: string; bridge: string; subnet: string; gateway: string; ip_range: string | null; subnet6: string | null; gateway6: string | null;
  mtu: number; bridge_created: number; internal: number; ip_masq: number; icc: number; firewall: number; gateway_added: number; created_at: string;
}

export type NewNetwork = Omit<NetworkRecord, 'id' | 'createdAt' | 'gatewayAdded'>;

export class NetworkRepo {
  constructor(private readonly db: Database) {}

  /** create — `decide` sees every subnet already held (IPv4 and IPv6) and returns the row to insert. */
  create(decide: (heldSubnets: Array<{ name: string; bridge: string; subnet: string }>) => NewNetwork): NetworkRecord {
    const tx = this.db.transaction((): NetworkRecord => {
      const held = (prepare(this.db, `SELECT name, bridge, subnet FROM networks UNION ALL
                                      SELECT name, bridge, subnet6 AS subnet FROM networks WHERE subnet6 IS NOT NULL`).all() as Array<{ name: string; bridge: string; subnet: string }>);
      const n = decide(held);
      try {
        prepare(this.db, `INSERT INTO networks (name, bridge, subnet, gateway, ip_range, subnet6, gateway6, mtu, bridge_created, internal, ip_masq, icc, firewall, created_at)
                          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(n.name, n.bridge, n.subnet, n.gateway, n.ipRange, n.subnet6, n.gateway6, n.mtu, n.bridgeCreated ? 1 : 0, n.internal ? 1 : 0, n.ipMasq ? 1 : 0, n.icc ? 1 : 0,
            n.firewall ? 1 : 0, new Date().toISOString());
      } catch (e) {
        const msg = (e as Error).message;
        if (msg.includes('networks.name')) throw new TsnetError('ECONFLICT', `a network named ${n.name} already exists`);
        if (msg.includes('networks.subnet')) throw new TsnetError('ECONFLICT', `a subnet of network ${n.name} is already held by another network`);
        if (msg.includes('networks.bridge')) throw new TsnetError('ECONFLICT', `bridge ${n.bridge} already belongs to another network`);
        throw new TsnetError('ESTATE', `cannot record network ${n.name}: ${msg}`);
      }
      return this.get(n.name)!;
    });
    return tx.immediate();
  }

  setGatewayAdded(name: string, added: boolean): void {
    prepare(this.db, 'UPDATE networks SET gateway_added = ? WHERE name = ?').run(added ? 1 : 0, name);
  }

  setBridgeCreated(name: string, created: boolean): void {
    prepare(this.db, 'UPDATE networks SET bridge_created = ? WHERE name = ?').run(created ? 1 : 0, name);
  }

  get(name: string): NetworkRecord | undefined {
    const row = prepare(this.db, 'SELECT * FROM networks WHERE name = ?').get(name) as Row | undefined;
    return row && hydrate(row);
  }

  /** byBridge — the network whose bridge this is, if any. */
  byBridge(bridge: string): NetworkRecord | undefined {
    const row = prepare(this.db, 'SELECT * FROM networks WHERE bridge = ?').get(bridge) as Row | undefined;
    return row && hydrate(row);
  }

  all(): NetworkRecord[] {
    return (prepare(this.db, 'SELECT * FROM networks ORDER BY name').all() as Row[]).map(hydrate);
  }

  remove(name: string): void {
    prepare(this.db, 'DELETE FROM networks WHERE name = ?').run(name);
  }
}

function hydrate(r: Row): NetworkRecord {
  return {
    id: r.id, name: r.name, bridge: r.bridge, subnet: r.subnet, gateway: r.gateway, ipRange: r.ip_range, subnet6: r.subnet6, gateway6: r.gateway6,
    mtu: r.mtu, bridgeCreated: r.bridge_created === 1, internal: r.internal === 1, ipMasq: r.ip_masq === 1, icc: r.icc === 1,
    firewall: r.firewall === 1, gatewayAdded: r.gateway_added === 1, createdAt: r.created_at,
  };
}
