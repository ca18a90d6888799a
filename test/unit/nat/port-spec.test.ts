/**
 * port-spec.test — Docker's -p grammar, [HOSTIP:][HOSTPORT[-END]:]CTRPORT[-END][/PROTO]:
 * every accepted form yields the exact typed mappings (expanded per port, host ranges kept
 * for allocation), every malformed value is a one-line EINVAL naming it, and
 * formatPortMapping renders docker ps style.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PORT_PROTOCOLS, formatPortMapping, parsePortSpec, type PortMapping } from '../../../src/nat/port-spec.js';
import { assertInvalid } from '../../helpers/assert.js';

const one = (spec: string): PortMapping => {
  const out = parsePortSpec(spec);
  assert.equal(out.length, 1, `${spec} gives one mapping`);
  return out[0] as PortMapping;
};

describe('parsePortSpec: single ports', () => {
  test('bare container port: tcp, ephemeral host port on every address', () => {
    assert.deepEqual(parsePortSpec('80'), [{ protocol: 'tcp', containerPort: 80 }]);
    assert.ok(!('hostPort' in one('80')) && !('hostIp' in one('80')) && !('hostFamily' in one('80')));
  });
  test('HOSTPORT:CTRPORT', () => {
    assert.deepEqual(parsePortSpec('8080:80'), [{ protocol: 'tcp', hostPort: 8080, containerPort: 80 }]);
    assert.deepEqual(one('1:65535'), { protocol: 'tcp', hostPort: 1, containerPort: 65535 });
  });
  test(':CTRPORT is an ephemeral host port, as in Docker', () => {
    assert.deepEqual(parsePortSpec(':80'), [{ protocol: 'tcp', containerPort: 80 }]);
  });
  test('HOSTIP:HOSTPORT:CTRPORT/udp', () => {
    assert.deepEqual(parsePortSpec('127.0.0.1:8080:80/udp'), [
      { protocol: 'udp', hostIp: '127.0.0.1', hostFamily: 4, hostPort: 8080, containerPort: 80 },
    ]);
    assert.deepEqual(one('0.0.0.0:53:53/udp'), { protocol: 'udp', hostIp: '0.0.0.0', hostFamily: 4, hostPort: 53, containerPort: 53 });
  });
  test('HOSTIP::CTRPORT leaves the host port ephemeral', () => {
    assert.deepEqual(parsePortSpec('10.0.0.1::80'), [{ protocol: 'tcp', hostIp: '10.0.0.1', hostFamily: 4, containerPort: 80 }]);
  });
  test('leading zeros are decimal, as strconv does', () => {
    assert.deepEqual(one('08080:080'), { protocol: 'tcp', hostPort: 8080, containerPort: 80 });
  });
});

describe('parsePortSpec: protocols', () => {
  test('tcp, udp and sctp; tcp by default', () => {
    assert.deepEqual(PORT_PROTOCOLS, ['tcp', 'udp', 'sctp']);
    for (const p of PORT_PROTOCOLS) assert.equal(one(`8080:80/${p}`).protocol, p);
    assert.equal(one('80').protocol, 'tcp');
  });
  test('case-insensitive, lowered like Docker', () => {
    assert.equal(one('80/UDP').protocol, 'udp');
    assert.equal(one('80/Tcp').protocol, 'tcp');
    assert.equal(one('80/SCTP').protocol, 'sctp');
  });
  test('an empty protocol after "/" is tcp, as in Docker', () => {
    assert.deepEqual(parsePortSpec('8080:80/'), [{ protocol: 'tcp', hostPort: 8080, containerPort: 80 }]);
  });
});

describe('parsePortSpec: IPv6 host IPs', () => {
  test('[::1]:8080:80, canonical and family 6', () => {
    assert.deepEqual(parsePortSpec('[::1]:8080:80'), [{ protocol: 'tcp', hostIp: '::1', hostFamily: 6, hostPort: 8080, containerPort: 80 }]);
  });
  test('canonicalised to RFC 5952', () => {
    assert.equal(one('[2001:DB8:0:0:0:0:0:1]:8080:80').hostIp, '2001:db8::1');
    assert.equal(one('[::]:8080:80').hostIp, '::');
    assert.equal(one('[::ffff:10.0.0.1]:1:2').hostIp, '::ffff:10.0.0.1');
  });
  test('[IPv6]::CTRPORT is ephemeral; with ranges and protocol', () => {
    assert.deepEqual(parsePortSpec('[fe80::1]::80/udp'), [{ protocol: 'udp', hostIp: 'fe80::1', hostFamily: 6, containerPort: 80 }]);
    assert.deepEqual(parsePortSpec('[::1]:8000-8001:80-81/sctp'), [
      { protocol: 'sctp', hostIp: '::1', hostFamily: 6, hostPort: 8000, containerPort: 80 },
      { protocol: 'sctp', hostIp: '::1', hostFamily: 6, hostPort: 8001, containerPort: 81 },
    ]);
  });
  test('a bracketed IPv4 address is accepted, as Docker does', () => {
    assert.deepEqual(one('[10.0.0.1]:8080:80'), { protocol: 'tcp', hostIp: '10.0.0.1', hostFamily: 4, hostPort: 8080, containerPort: 80 });
  });
});

describe('parsePortSpec: ranges', () => {
  test('equal-length ranges expand per port', () => {
    assert.deepEqual(parsePortSpec('8000-8002:80-82'), [
      { protocol: 'tcp', hostPort: 8000, containerPort: 80 },
      { protocol: 'tcp', hostPort: 8001, containerPort: 81 },
      { protocol: 'tcp', hostPort: 8002, containerPort: 82 },
    ]);
    assert.equal(parsePortSpec('8000-8010:80-90').length, 11);
    assert.deepEqual(parsePortSpec('8000-8010:80-90')[10], { protocol: 'tcp', hostPort: 8010, containerPort: 90 });
  });
  test('a container range alone: each port ephemeral', () => {
    assert.deepEqual(parsePortSpec('127.0.0.1::80-81/udp'), [
      { protocol: 'udp', hostIp: '127.0.0.1', hostFamily: 4, containerPort: 80 },
      { protocol: 'udp', hostIp: '127.0.0.1', hostFamily: 4, containerPort: 81 },
    ]);
    assert.deepEqual(parsePortSpec('80-82').map((m) => m.containerPort), [80, 81, 82]);
  });
  test('a host range with one container port: one mapping, a range to allocate from', () => {
    assert.deepEqual(parsePortSpec('8000-8010:80'), [{ protocol: 'tcp', hostPort: { start: 8000, end: 8010 }, containerPort: 80 }]);
    assert.deepEqual(parsePortSpec('127.0.0.1:8000-8010:80/udp'), [
      { protocol: 'udp', hostIp: '127.0.0.1', hostFamily: 4, hostPort: { start: 8000, end: 8010 }, containerPort: 80 },
    ]);
  });
  test('one-port ranges collapse to plain numbers', () => {
    assert.deepEqual(parsePortSpec('8080-8080:80-80'), [{ protocol: 'tcp', hostPort: 8080, containerPort: 80 }]);
    assert.deepEqual(parsePortSpec('8080-8080:80'), [{ protocol: 'tcp', hostPort: 8080, containerPort: 80 }]);
  });
  test('the whole port space', () => {
    const all = parsePortSpec('1-65535:1-65535/udp');
    assert.equal(all.length, 65535);
    assert.deepEqual(all[65534], { protocol: 'udp', hostPort: 65535, containerPort: 65535 });
  });
});

describe('parsePortSpec: errors name the bad value', () => {
  test('empty spec', () => {
    assertInvalid(() => parsePortSpec(''), 'port spec ""', 'is empty', 'HOSTPORT');
    assertInvalid(() => parsePortSpec('   '), 'is empty');
  });
  test('empty parts', () => {
    assertInvalid(() => parsePortSpec('8080:'), '"8080:"', 'container port is empty');
    assertInvalid(() => parsePortSpec('/tcp'), '"/tcp"', 'container port is empty');
    assertInvalid(() => parsePortSpec('::80'), '"::80"', 'host IP', 'empty');
    assertInvalid(() => parsePortSpec('[]:8080:80'), 'host IP', 'empty');
  });
  test('port 0', () => {
    assertInvalid(() => parsePortSpec('0'), 'container port "0"', '1-65535');
    assertInvalid(() => parsePortSpec('0:80'), 'host port "0"', 'out of range', 'ephemeral');
    assertInvalid(() => parsePortSpec('0-10:80-90'), 'host port "0" in "0-10"');
  });
  test('port above 65535', () => {
    assertInvalid(() => parsePortSpec('65536'), 'container port "65536"', 'out of range (1-65535)');
    assertInvalid(() => parsePortSpec('70000:80'), 'host port "70000"');
    assertInvalid(() => parsePortSpec('65530-65536:80'), 'host port "65536" in "65530-65536"');
    assertInvalid(() => parsePortSpec('99999999999999999999'), '"99999999999999999999"');
  });
  test('non-numeric ports', () => {
    for (const bad of ['http', '8o', '+80', '-1', ' 80', '80 ', '8.0', '0x50', '1e3']) {
      assertInvalid(() => parsePortSpec(`8080:${bad}`), `"8080:${bad}"`, 'container port');
    }
    assertInvalid(() => parsePortSpec('abc:80'), 'host port "abc" is not a number');
    assertInvalid(() => parsePortSpec('80-'), 'container port "" in "80-" is not a number');
    assertInvalid(() => parsePortSpec('-80:80'), 'host port "" in "-80"');
  });
  test('reversed ranges', () => {
    assertInvalid(() => parsePortSpec('90-80'), 'container port range "90-80" is reversed', '80-90');
    assertInvalid(() => parsePortSpec('8010-8000:80'), 'host port range "8010-8000" is reversed');
  });
  test('ranges of unequal length, or a host port for a container range', () => {
    assertInvalid(() => parsePortSpec('8000-8010:80-85'), '"8000-8010"', '"80-85"', 'unequal length');
    assertInvalid(() => parsePortSpec('8080:80-82'), 'host ports "8080" (1)', 'container ports "80-82" (3)');
  });
  test('more than one "-"', () => {
    assertInvalid(() => parsePortSpec('80-90-100'), '"80-90-100"', 'more than one "-"');
  });
  test('unknown protocol', () => {
    assertInvalid(() => parsePortSpec('8080:80/icmp'), 'unknown protocol "icmp"', 'tcp, udp or sctp');
    assertInvalid(() => parsePortSpec('80/tcp/udp'), 'unknown protocol "tcp/udp"');
    assertInvalid(() => parsePortSpec('80/ tcp'), 'unknown protocol " tcp"');
  });
  test('malformed host IP', () => {
    assertInvalid(() => parsePortSpec('1.2.3:8080:80'), 'host IP "1.2.3"', 'not a valid');
    assertInvalid(() => parsePortSpec('localhost:8080:80'), 'host IP "localhost"');
    assertInvalid(() => parsePortSpec('256.0.0.1:8080:80'), 'host IP "256.0.0.1"');
    assertInvalid(() => parsePortSpec('[::g]:8080:80'), 'host IP "::g"');
    assertInvalid(() => parsePortSpec('[fe80::1%eth0]:8080:80'), 'fe80::1%eth0', 'zone index');
  });
  test('malformed brackets', () => {
    assertInvalid(() => parsePortSpec('[::1:8080:80'), '"[::1:8080:80"', 'without a closing "]"');
    assertInvalid(() => parsePortSpec('[::1]8080:80'), 'expected ":" after "[::1]"', '"8080:80"');
    assertInvalid(() => parsePortSpec('[::1]:80'), '"[::1]:80"', 'use "[::1]::80"');
    assertInvalid(() => parsePortSpec('[::1]'), '"[::1]"');
    assertInvalid(() => parsePortSpec('[::1]:1:2:3'), 'too many colons after "[::1]"');
  });
  test('IPv6 without brackets', () => {
    assertInvalid(() => parsePortSpec('::1:8080:80'), 'IPv6 host IP "::1" must be in brackets', '"[::1]:8080:80"');
    assertInvalid(() => parsePortSpec('fe80::1:80'), 'IPv6 host IP "fe80::1"', '"[fe80::1]::80"');
    assertInvalid(() => parsePortSpec('2001:db8::1::80'), '"[2001:db8::1]::80"');
  });
  test('too many colons', () => {
    assertInvalid(() => parsePortSpec('1:2:3:4'), '"1:2:3:4"', 'too many colons (3)');
    assertInvalid(() => parsePortSpec('a:b:c:d:e'), 'too many colons (4)');
  });
  test('control characters stay on one line', () => {
    assertInvalid(() => parsePortSpec('80\n/tcp'), '80\n');
  });
});

describe('formatPortMapping: docker ps style', () => {
  test('fixed ports, every address shown as 0.0.0.0', () => {
    assert.equal(formatPortMapping(one('8080:80')), '0.0.0.0:8080->80/tcp');
    assert.equal(formatPortMapping(one('127.0.0.1:5353:53/udp')), '127.0.0.1:5353->53/udp');
    assert.equal(formatPortMapping(one('9:9/sctp')), '0.0.0.0:9->9/sctp');
  });
  test('IPv6 in brackets', () => {
    assert.equal(formatPortMapping(one('[::1]:8080:80')), '[::1]:8080->80/tcp');
    assert.equal(formatPortMapping(one('[2001:db8::0:1]:1:2/udp')), '[2001:db8::1]:1->2/udp');
  });
  test('host ranges and unallocated ephemeral ports', () => {
    assert.equal(formatPortMapping(one('8000-8010:80')), '0.0.0.0:8000-8010->80/tcp');
    assert.equal(formatPortMapping(one('80')), '0.0.0.0:*->80/tcp');
    assert.equal(formatPortMapping(one('[::1]::80/udp')), '[::1]:*->80/udp');
  });
  test('an allocated mapping', () => {
    assert.equal(formatPortMapping({ protocol: 'tcp', hostPort: 49153, containerPort: 80 }), '0.0.0.0:49153->80/tcp');
  });
});
