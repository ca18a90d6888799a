/**
 * grammar.test — the whole pipework attach grammar:
 *   HOSTIF [-i CTRIF] [-l HOSTSIDE] [-a 4|6] [--direct-phys] GUEST IPSPEC [MAC][@VLAN]
 * Accepted forms produce the exact typed request; every malformed value is an EINVAL whose
 * one-line message names the value.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  DEFAULT_CTR_IF,
  parseAttach,
  parseFamily,
  parseGuest,
  parseHostIf,
  parseIpSpec,
  parseMacVlan,
  type AttachArgs,
} from '../../../src/attach/grammar.js';
import { assertInvalid } from '../../helpers/assert.js';


const base: AttachArgs = { hostIf: 'br0', guest: 'guest', ipSpec: '192.168.115.10/24@192.168.115.2' };
const attach = (over: Partial<AttachArgs> = {}): ReturnType<typeof parseAttach> => parseAttach({ ...base, ...over });

describe('parseAttach: the canonical pipework line', () => {
  test('br0 guest 192.168.115.10/24@192.168.115.2 with all defaults', () => {
    assert.equal(DEFAULT_CTR_IF, 'eth1');
    assert.deepEqual(attach(), {
      hostIf: { kind: 'name', name: 'br0' },
      guest: { kind: 'netns', name: 'guest' },
      ctrIf: 'eth1',
      hostSideName: undefined,
      family: undefined,
      ip: {
        mode: 'static',
        addresses: [{ family: 4, cidr: '192.168.115.10/24' }],
        gateway: { family: 4, ip: '192.168.115.2' },
      },
      mac: undefined,
      macSeed: undefined,
      vlan: undefined,
      directPhys: false,
    });
  });

  test('-i, -l, -a, MAC@VLAN and --direct-phys are carried through', () => {
    const r = attach({
      hostIf: 'eth0',
      guest: 'pid:4242',
      ipSpec: 'fd00::10/64@fd00::1',
      ctrIf: 'net0',
      hostSideName: 'veth-web',
      family: '6',
      macVlan: 'AA:BB:CC:DD:EE:FE',
    });
    assert.deepEqual(r, {
      hostIf: { kind: 'name', name: 'eth0' },
      guest: { kind: 'pid', pid: 4242 },
      ctrIf: 'net0',
      hostSideName: 'veth-web',
      family: 6,
      ip: { mode: 'static', addresses: [{ family: 6, cidr: 'fd00::10/64' }], gateway: { family: 6, ip: 'fd00::1' } },
      mac: 'aa:bb:cc:dd:ee:fe',
      macSeed: undefined,
      vlan: undefined,
      directPhys: false,
    });
    assert.equal(attach({ hostIf: 'eth0', directPhys: true }).directPhys, true);
    assert.equal(attach({ macVlan: '@7' }).vlan, 7);
  });

  test('host interface by MAC: mac:HOSTMAC', () => {
    assert.deepEqual(attach({ hostIf: 'mac:00:1B:21:0a:0b:0c' }).hostIf, { kind: 'mac', mac: '00:1b:21:0a:0b:0c' });
    assert.deepEqual(parseHostIf('mac:02:00:00:00:00:01'), { kind: 'mac', mac: '02:00:00:00:00:01' });
    assert.deepEqual(parseHostIf('enp0s31f6'), { kind: 'name', name: 'enp0s31f6' });
  });
});

describe('parseIpSpec', () => {
  test('one static address without gateway', () => {
    assert.deepEqual(parseIpSpec('10.0.0.2/24'), { mode: 'static', addresses: [{ family: 4, cidr: '10.0.0.2/24' }] });
  });

  test('several comma-separated addresses, mixed families, one gateway', () => {
    assert.deepEqual(parseIpSpec('10.0.0.2/24,10.0.1.2/24,fd00::2/64@10.0.0.1'), {
      mode: 'static',
      addresses: [
        { family: 4, cidr: '10.0.0.2/24' },
        { family: 4, cidr: '10.0.1.2/24' },
        { family: 6, cidr: 'fd00::2/64' },
      ],
      gateway: { family: 4, ip: '10.0.0.1' },
    });
  });

  test('IPv6 with gateway, both canonicalised (RFC 5952)', () => {
    assert.deepEqual(parseIpSpec('2001:DB8:0:0:1:0:0:10/64@2001:db8:0:0:0:0:0:1'), {
      mode: 'static',
      addresses: [{ family: 6, cidr: '2001:db8::1:0:0:10/64' }],
      gateway: { family: 6, ip: '2001:db8::1' },
    });
    assert.deepEqual(parseIpSpec('fe80::2/64@fe80::1'), {
      mode: 'static',
      addresses: [{ family: 6, cidr: 'fe80::2/64' }],
      gateway: { family: 6, ip: 'fe80::1' },
    });
  });

  test('0/0: link only, no address', () => {
    assert.deepEqual(parseIpSpec('0/0'), { mode: 'none' });
  });

  test("pipework's DHCP-client IPSPECs map to the built-in client, their arguments read or refused", () => {
    for (const name of ['udhcpc', 'udhcpc-f', 'dhclient', 'dhclient-f', 'dhcpcd', 'dhcpcd-f']) {
      assert.deepEqual(parseIpSpec(name), { mode: 'dhcp', options: '', client: name });
    }
    assert.deepEqual(parseIpSpec('udhcpc:-x hostname:web -T 2 -t 5'), { mode: 'dhcp', options: 'hostname=web,timeout=10', client: 'udhcpc' });
    assert.deepEqual(parseIpSpec('udhcpc-f:-q -O 42'), { mode: 'dhcp', options: 'request=42', client: 'udhcpc-f' });
    assert.deepEqual(parseIpSpec('dhclient-f:-v -pf /run/x.pid'), { mode: 'dhcp', options: '', client: 'dhclient-f' });
    assert.deepEqual(parseIpSpec('dhcpcd:-h db -t 7 -I cid1'), { mode: 'dhcp', options: 'hostname=db,client-id=cid1,timeout=7', client: 'dhcpcd' });
    assertInvalid(() => parseIpSpec('dhclient:-cf /etc/x.conf'), 'dhclient argument "-cf" is not supported');
    assertInvalid(() => parseIpSpec('udhcpc:-x 60:vendor'), '"-x 60:vendor"');
    assertInvalid(() => parseIpSpec('udhcpc:-T'), '"-T" needs a value');
    assertInvalid(() => parseIpSpec('dhcpcd:-t soon'), '"-t soon"');
    assertInvalid(() => parseIpSpec('udhcpcd'), '"udhcpcd"');
  });

  test('dhcp and dhcp:opts', () => {
    assert.deepEqual(parseIpSpec('dhcp'), { mode: 'dhcp', options: '' });
    assert.deepEqual(parseIpSpec('dhcp:-f'), { mode: 'dhcp', options: '-f' });
    assert.deepEqual(parseIpSpec('dhcp:-x hostname:web'), { mode: 'dhcp', options: 'hostname=web' }, 'pipework passes udhcpc arguments after dhcp:');
    assert.deepEqual(parseIpSpec('dhcp:-f,hostname=web'), { mode: 'dhcp', options: '-f,hostname=web' });
    assert.deepEqual(parseIpSpec('dhcp:'), { mode: 'dhcp', options: '' });
    assert.deepEqual(attach({ ipSpec: 'dhcp' }).ip, { mode: 'dhcp', options: '' });
  });

  test('-a restricts the family', () => {
    assert.deepEqual(parseIpSpec('10.0.0.2/24', 4), { mode: 'static', addresses: [{ family: 4, cidr: '10.0.0.2/24' }] });
    assert.equal(attach({ family: '4' }).family, 4);
    assert.equal(attach({ family: 'ipv4' }).family, 4);
    assert.equal(attach({ family: 'ip6', ipSpec: 'fd00::2/64' }).family, 6);
  });

  test('bad CIDRs', () => {
    assertInvalid(() => attach({ ipSpec: '192.168.115.10' }), '"192.168.115.10"', 'prefix');
    assertInvalid(() => attach({ ipSpec: '192.168.115.10@192.168.115.1' }), '"192.168.115.10"', 'prefix');
    assertInvalid(() => attach({ ipSpec: '192.168.115.10/33' }), '"192.168.115.10/33"', '"33"');
    assertInvalid(() => attach({ ipSpec: 'fd00::2/129@fd00::1' }), '"fd00::2/129"');
    assertInvalid(() => attach({ ipSpec: '300.1.1.1/24' }), '"300.1.1.1"');
    assertInvalid(() => attach({ ipSpec: 'static' }), '"static"');
    assertInvalid(() => attach({ ipSpec: 'dhcpv6' }), '"dhcpv6"');
    assertInvalid(() => attach({ ipSpec: '' }), 'IP spec ""');
    assertInvalid(() => attach({ ipSpec: '10.0.0.2/24,' }), 'prefix');
    assertInvalid(() => attach({ ipSpec: '10.0.0.2/24,junk/8' }), '"junk"');
    assertInvalid(() => attach({ ipSpec: '@10.0.0.1' }), '"@10.0.0.1"', 'no address');
  });

  test('the same address twice', () => {
    assertInvalid(() => parseIpSpec('10.0.0.2/24,10.0.0.2/24'), '"10.0.0.2/24"', 'twice');
    assertInvalid(() => parseIpSpec('fd00::2/64,FD00:0::2/64'), '"FD00:0::2/64"', 'twice');
  });

  test('bad gateways', () => {
    assertInvalid(() => attach({ ipSpec: '10.0.0.2/24@' }), '"10.0.0.2/24@"', 'empty gateway');
    assertInvalid(() => attach({ ipSpec: '10.0.0.2/24@10.0.0.300' }), 'gateway "10.0.0.300"');
    assertInvalid(() => attach({ ipSpec: '10.0.0.2/24@10.0.0.1/24' }), 'gateway "10.0.0.1/24"');
  });

  test('gateway family mismatch', () => {
    assertInvalid(() => attach({ ipSpec: '10.0.0.2/24@fd00::1' }), 'gateway "fd00::1"', 'IPv6');
    assertInvalid(() => attach({ ipSpec: 'fd00::2/64@10.0.0.1' }), 'gateway "10.0.0.1"', 'IPv4');
  });

  test('gateway equal to the interface own address, in any spelling', () => {
    assertInvalid(() => attach({ ipSpec: '10.0.0.2/24@10.0.0.2' }), 'gateway "10.0.0.2"', 'own address');
    assertInvalid(() => attach({ ipSpec: '10.0.0.2/24,10.0.1.2/24@10.0.1.2' }), 'gateway "10.0.1.2"');
    assertInvalid(() => attach({ ipSpec: 'fd00::2/64@FD00:0:0::0002' }), 'gateway "FD00:0:0::0002"', 'own address');
  });

  test('-a mismatch and bad -a', () => {
    assertInvalid(() => attach({ family: '6' }), '"192.168.115.10/24"', 'IPv4', 'IPv6');
    assertInvalid(() => attach({ family: '4', ipSpec: 'fd00::2/64' }), '"fd00::2/64"', 'IPv6', 'IPv4');
    assertInvalid(() => attach({ family: '4', ipSpec: '10.0.0.2/24,fd00::2/64' }), '"fd00::2/64"');
    assertInvalid(() => attach({ family: '5' }), '(-a) "5"');
    assertInvalid(() => parseFamily('inet'), '"inet"');
    assertInvalid(() => parseFamily(''), '""');
    assert.equal(parseFamily('ipv6'), 6);
  });
});

describe('parseGuest', () => {
  test('bare PID and pid:N', () => {
    assert.deepEqual(parseGuest('1234'), { kind: 'pid', pid: 1234 });
    assert.deepEqual(parseGuest('pid:1'), { kind: 'pid', pid: 1 });
    assert.deepEqual(attach({ guest: '4194304' }).guest, { kind: 'pid', pid: 4194304 });
  });

  test('netns:NAME, container:NAME and a plain name', () => {
    assert.deepEqual(parseGuest('netns:blue'), { kind: 'netns', name: 'blue', explicit: true }); // never taken for a container
    assert.deepEqual(parseGuest('netns:123'), { kind: 'netns', name: '123', explicit: true }, 'the prefix forces the kind');
    assert.deepEqual(parseGuest('container:web'), { kind: 'container', name: 'web' });
    assert.deepEqual(parseGuest('web_1.lab-a'), { kind: 'netns', name: 'web_1.lab-a' });
  });

  test('absolute netns paths', () => {
    assert.deepEqual(parseGuest('/proc/4242/ns/net'), { kind: 'path', path: '/proc/4242/ns/net' });
    assert.deepEqual(parseGuest('/run/netns/blue'), { kind: 'path', path: '/run/netns/blue' });
  });

  test('errors', () => {
    assertInvalid(() => attach({ guest: '' }), 'guest is empty');
    assertInvalid(() => parseGuest('run/netns/blue'), '"run/netns/blue"', 'absolute');
    assertInvalid(() => parseGuest('./ns'), '"./ns"', 'absolute');
    assertInvalid(() => parseGuest('0'), 'PID "0"');
    assertInvalid(() => parseGuest('pid:0'), 'PID "0"');
    assertInvalid(() => parseGuest('pid:'), 'PID ""');
    assertInvalid(() => parseGuest('pid:abc'), 'PID "abc"');
    assertInvalid(() => parseGuest('pid:-5'), 'PID "-5"');
    assertInvalid(() => parseGuest('pid:99999999999999999999'), 'PID "99999999999999999999"');
    assertInvalid(() => parseGuest('netns:'), 'netns name ""');
    assertInvalid(() => parseGuest('netns:..'), 'netns name ".."');
    assertInvalid(() => parseGuest('container:a b'), '"a b"');
    assertInvalid(() => parseGuest('my guest'), '"my guest"');
    assertInvalid(() => parseGuest('..'), '".."');
  });
});

describe('parseMacVlan', () => {
  const md5mac = (seed: string): string => {
    const h = createHash('md5').update(`${seed}\n`).digest('hex');
    return `02:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}`;
  };

  test('absent or empty', () => {
    assert.deepEqual(parseMacVlan(undefined), {});
    assert.deepEqual(parseMacVlan(''), {});
  });

  test('explicit MAC, with and without VLAN', () => {
    assert.deepEqual(parseMacVlan('AA:BB:CC:DD:EE:FF'), { mac: 'aa:bb:cc:dd:ee:ff' });
    assert.deepEqual(parseMacVlan('aa:bb:cc:dd:ee:ff@4094'), { mac: 'aa:bb:cc:dd:ee:ff', vlan: 4094 });
    assert.deepEqual(parseMacVlan('02:00:00:00:00:01@1'), { mac: '02:00:00:00:00:01', vlan: 1 });
  });

  test('U:seed, with and without VLAN', () => {
    assert.deepEqual(parseMacVlan('U:seed@10'), { macSeed: 'seed', mac: md5mac('seed'), vlan: 10 });
    assert.deepEqual(parseMacVlan('U:web-1'), { macSeed: 'web-1', mac: '02:c6:0f:6e:09:5e' });
    assert.deepEqual(attach({ macVlan: 'U:web-1@10' }).mac, '02:c6:0f:6e:09:5e');
    assert.equal(attach({ macVlan: 'U:web-1@10' }).macSeed, 'web-1');
  });

  test('@VLAN alone', () => {
    assert.deepEqual(parseMacVlan('@5'), { vlan: 5 });
  });

  test('bad VLANs', () => {
    for (const v of ['0', '4095', 'abc', '', '-1', '+5', '5.0', '10000', ' 5']) {
      assertInvalid(() => parseMacVlan(`@${v}`), `VLAN "${v}"`, '1 to 4094');
    }
    assertInvalid(() => attach({ macVlan: 'aa:bb:cc:dd:ee:ff@0' }), 'VLAN "0"');
    assertInvalid(() => attach({ macVlan: 'U:x@4095' }), 'VLAN "4095"');
  });

  test('bad MACs', () => {
    assertInvalid(() => attach({ macVlan: 'aa:bb:cc:dd:ee' }), '"aa:bb:cc:dd:ee"');
    assertInvalid(() => attach({ macVlan: 'zz:bb:cc:dd:ee:ff@10' }), '"zz:bb:cc:dd:ee:ff"');
    assertInvalid(() => attach({ macVlan: '01:00:5e:00:00:01' }), '"01:00:5e:00:00:01"', 'multicast');
    assertInvalid(() => attach({ macVlan: '00:00:00:00:00:00' }), '00:00:00:00:00:00');
    assertInvalid(() => attach({ macVlan: 'U:@10' }), 'U:');
    assertInvalid(() => attach({ hostIf: 'mac:aa:bb' }), '"aa:bb"');
    assertInvalid(() => attach({ hostIf: 'mac:ff:ff:ff:ff:ff:ff' }), '"ff:ff:ff:ff:ff:ff"', 'multicast');
  });
});

describe('interface names', () => {
  test('15 characters are allowed everywhere', () => {
    const r = attach({ hostIf: 'a'.repeat(15), ctrIf: 'b'.repeat(15), hostSideName: 'c'.repeat(15) });
    assert.deepEqual(r.hostIf, { kind: 'name', name: 'a'.repeat(15) });
    assert.equal(r.ctrIf, 'b'.repeat(15));
    assert.equal(r.hostSideName, 'c'.repeat(15));
  });

  test('16 characters are rejected for the host interface, -i and -l', () => {
    const long = 'averyveryverylong'; // 17
    assertInvalid(() => attach({ hostIf: 'x'.repeat(16) }), 'host interface', `"${'x'.repeat(16)}"`, '15');
    assertInvalid(() => attach({ ctrIf: long }), 'container interface (-i)', `"${long}"`, '15');
    assertInvalid(() => attach({ hostSideName: long }), 'host interface (-l)', `"${long}"`, '15');
  });

  test('invalid characters are rejected', () => {
    assertInvalid(() => attach({ hostIf: 'br/0' }), '"br/0"');
    assertInvalid(() => attach({ ctrIf: 'eth 1' }), '"eth 1"');
    assertInvalid(() => attach({ ctrIf: '' }), '""');
    assertInvalid(() => attach({ hostSideName: 'a:b' }), '"a:b"');
  });
});

describe('--direct-phys', () => {
  test('cannot be combined with @VLAN', () => {
    assertInvalid(() => attach({ hostIf: 'eth0', directPhys: true, macVlan: '@10' }), '--direct-phys', '@VLAN');
    assertInvalid(() => attach({ hostIf: 'eth0', directPhys: true, macVlan: 'aa:bb:cc:dd:ee:ff@4094' }), '--direct-phys');
  });

  test('is fine with a MAC and no VLAN', () => {
    const r = attach({ hostIf: 'eth0', directPhys: true, macVlan: 'aa:bb:cc:dd:ee:ff' });
    assert.equal(r.directPhys, true);
    assert.equal(r.mac, 'aa:bb:cc:dd:ee:ff');
    assert.equal(r.vlan, undefined);
  });
});
