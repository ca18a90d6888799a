/**
 * resolv-conf.test — nameservers out of resolv.conf text, the way Docker reads them for
 * its reserved set: comments dropped, IPv4 and IPv6, zone indexes stripped, loopback kept.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isSystemdResolvedStub, parseResolvConf } from '../../../src/ipam/resolv-conf.js';

describe('parseResolvConf', () => {
  test('a plain file', () => {
    const text = 'search example.com\nnameserver 192.168.1.1\nnameserver 8.8.8.8\noptions ndots:2\n';
    assert.deepEqual(parseResolvConf(text), ['192.168.1.1', '8.8.8.8']);
  });

  test('systemd-resolved stub file: the stub is reported and recognised', () => {
    const text = [
      '# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).',
      '# nameserver 10.9.9.9',
      'nameserver 127.0.0.53',
      'options edns0 trust-ad',
      'search .',
    ].join('\n');
    const ns = parseResolvConf(text);
    assert.deepEqual(ns, ['127.0.0.53']);
    assert.equal(isSystemdResolvedStub(ns), true);
    assert.equal(isSystemdResolvedStub(['127.0.0.53', '10.0.0.1']), false);
    assert.equal(isSystemdResolvedStub(['10.0.0.1']), false);
    assert.equal(isSystemdResolvedStub([]), false);
  });

  test('comments with # or ; anywhere, leading blanks, tabs, CRLF and trailing words', () => {
    const text = [
      '; old resolver',
      ';nameserver 10.1.1.1',
      '#nameserver 10.2.2.2',
      '   nameserver\t10.3.3.3   # office',
      'nameserver 10.4.4.4;lab',
      'nameserver 10.5.5.5 extra-ignored',
      'nameserver 10.6.6.6\r',
    ].join('\r\n');
    assert.deepEqual(parseResolvConf(text), ['10.3.3.3', '10.4.4.4', '10.5.5.5', '10.6.6.6']);
  });

  test('IPv6 nameservers: canonical text, zone index dropped', () => {
    const text = 'nameserver 2001:4860:4860:0:0:0:0:8888\nnameserver FE80::1%eth0\nnameserver ::ffff:10.0.0.1\n';
    assert.deepEqual(parseResolvConf(text), ['2001:4860:4860::8888', 'fe80::1', '::ffff:10.0.0.1']);
  });

  test('loopback resolvers are kept, as in Docker’s reserved set', () => {
    assert.deepEqual(parseResolvConf('nameserver 127.0.0.1\nnameserver ::1\n'), ['127.0.0.1', '::1']);
  });

  test('duplicates once, in file order', () => {
    assert.deepEqual(parseResolvConf('nameserver 10.0.0.2\nnameserver 10.0.0.1\nnameserver 10.0.0.2\n'), ['10.0.0.2', '10.0.0.1']);
    assert.deepEqual(parseResolvConf('nameserver 2001:db8::1\nnameserver 2001:DB8:0::1\n'), ['2001:db8::1']);
  });

  test('lines that are not a nameserver with an address are ignored, not fatal', () => {
    const text = [
      'nameserver',
      'nameserver resolver.example.com',
      'nameserver 300.1.1.1',
      'nameserver 10.0.0.1/24',
      'nameservers 10.9.9.9',
      'NAMESERVER 10.8.8.8',
      'domain nameserver',
      'search nameserver 10.7.7.7',
      '',
      'nameserver 10.0.0.9',
    ].join('\n');
    assert.deepEqual(parseResolvConf(text), ['10.0.0.9']);
    assert.deepEqual(parseResolvConf(''), []);
  });
});
