import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chainIds, parseDigest, sha256Digest } from '../../../src/images/digest.js';
import { MEDIA, checkLayerCount, parseConfig, parseManifest, selectPlatform, type ImageIndex, type ImageManifest } from '../../../src/images/manifest.js';
import { parseChallenge } from '../../../src/images/auth-challenge.js';
import { TsnetError } from '../../../src/core/errors.js';
import { assertInvalid } from '../../helpers/assert.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const desc = (mediaType: string, c: string, size = 10): object => ({ mediaType, digest: d(c), size });

describe('digests', () => {
  test('parse and chain ids', () => {
    assert.equal(parseDigest(d('a')), d('a'));
    assertInvalid(() => parseDigest('sha256:XYZ'), 'sha256:XYZ');
    assertInvalid(() => parseDigest('nocolon'), 'nocolon');
    assert.throws(() => parseDigest(`sha512:${'a'.repeat(128)}`), (e: unknown) => e instanceof TsnetError && e.code === 'EUNSUPPORTED');
    // The OCI spec's definition, checked by hand: C1 = sha256(C0 + " " + D1).
    const [c0, c1, c2] = chainIds([d('a'), d('b'), d('c')]);
    assert.equal(c0, d('a'));
    assert.equal(c1, sha256Digest(`${d('a')} ${d('b')}`));
    assert.equal(c2, sha256Digest(`${c1} ${d('c')}`));
  });
});

describe('manifests', () => {
  test('Docker schema2 and OCI manifests', () => {
    for (const [mt, cfg, layer] of [[MEDIA.dockerManifest, MEDIA.dockerConfig, MEDIA.dockerLayer], [MEDIA.ociManifest, MEDIA.ociConfig, MEDIA.ociLayer]] as const) {
      const m = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: mt, config: desc(cfg, 'c'), layers: [desc(layer, '1'), desc(layer, '2')] })) as ImageManifest;
      assert.equal(m.kind, 'manifest');
      assert.equal(m.mediaType, mt);
      assert.equal(m.config.digest, d('c'));
      assert.deepEqual(m.layers.map((l) => l.digest), [d('1'), d('2')]);
    }
  });

  test('OCI manifest without mediaType uses the Content-Type', () => {
    const body = JSON.stringify({ schemaVersion: 2, config: desc(MEDIA.ociConfig, 'c'), layers: [] });
    assert.equal(parseManifest(body, `${MEDIA.ociManifest}; charset=utf-8`).mediaType, MEDIA.ociManifest);
  });

  test('index selects linux/amd64', () => {
    const idx = parseManifest(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.dockerList,
      manifests: [
        { ...desc(MEDIA.dockerManifest, '1'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { ...desc(MEDIA.dockerManifest, '2'), platform: { os: 'linux', architecture: 'amd64' } },
        { ...desc(MEDIA.dockerManifest, '3'), platform: { os: 'windows', architecture: 'amd64' } },
      ],
    })) as ImageIndex;
    assert.equal(idx.kind, 'index');
    assert.equal(selectPlatform(idx, { os: 'linux', architecture: 'amd64' }).digest, d('2'));
    assert.equal(selectPlatform(idx, { os: 'linux', architecture: 'arm64' }).digest, d('1'));
    assert.throws(() => selectPlatform(idx, { os: 'linux', architecture: 's390x' }), /no image for linux\/s390x .*linux\/arm64, linux\/amd64, windows\/amd64/);
  });

  test('malformed manifests give one-line errors', () => {
    assertInvalid(() => parseManifest('{'), 'not valid JSON');
    assertInvalid(() => parseManifest('[]'), 'not a JSON object');
    assertInvalid(() => parseManifest('{"schemaVersion":3}'), 'schemaVersion 3');
    assertInvalid(() => parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, layers: [] })), 'config is not a descriptor');
    assertInvalid(() => parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: desc(MEDIA.ociConfig, 'c') })), 'no "layers"');
    assertInvalid(() => parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { ...desc(MEDIA.ociConfig, 'c'), digest: 'sha256:zz' }, layers: [] })), 'config.digest', 'sha256:zz');
    assertInvalid(() => parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { ...desc(MEDIA.ociConfig, 'c'), size: -1 }, layers: [] })), 'config.size');
    assertInvalid(() => parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: 'text/plain', layers: [] })), 'text/plain');
    assert.throws(() => parseManifest('{"schemaVersion":1}'), /schema 1/);
    assert.throws(() => parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: desc(MEDIA.ociConfig, 'c'), layers: [desc('application/vnd.oci.image.layer.v1.tar+zstd', '1')] })), /layers\[0\].*zstd/);
  });

  test('configs', () => {
    const c = parseConfig(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [d('1')] }, config: { Cmd: ['sh'] } }));
    assert.deepEqual(c.diffIds, [d('1')]);
    assert.deepEqual((c.raw['config'] as { Cmd: string[] }).Cmd, ['sh']);
    assertInvalid(() => parseConfig('{"architecture":"amd64","os":"linux"}'), 'rootfs.diff_ids');
    assertInvalid(() => parseConfig(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['x'] } })), 'diff_ids[0]');
    const m = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: desc(MEDIA.ociConfig, 'c'), layers: [] })) as ImageManifest;
    assertInvalid(() => checkLayerCount(m, c), '0 layers', '1 diff_ids');
  });
});

describe('WWW-Authenticate', () => {
  test('bearer with quoted commas', () => {
    const c = parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"');
    assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } });
  });
  test('basic', () => {
    assert.deepEqual(parseChallenge('Basic realm="basic-realm"'), { scheme: 'basic', params: { realm: 'basic-realm' } });
  });
  test('malformed', () => {
    assertInvalid(() => parseChallenge('Bearer service="x"'), 'no realm');
    assertInvalid(() => parseChallenge('Negotiate abc'), 'Negotiate');
    assertInvalid(() => parseChallenge('Bearer realm="x'), 'malformed');
    assertInvalid(() => parseChallenge(''), 'malformed');
  });
});
