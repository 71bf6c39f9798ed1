import { describe, expect, it } from 'vitest';
import { ValuesError, canonicalJson, composeValues, configDigest, describeValuesSources, mergeValues, parseValuesFile } from './values.js';

describe('helm values merge', () => {
  it.each([
    ['maps are merged deeply', { a: { b: 1, c: 2 } }, { a: { c: 3, d: 4 } }, { a: { b: 1, c: 3, d: 4 } }],
    ['lists are replaced, not appended', { args: ['--a', '--b'] }, { args: ['--c'] }, { args: ['--c'] }],
    ['a scalar replaces a map', { svc: { type: 'ClusterIP' } }, { svc: 'none' }, { svc: 'none' }],
    ['a map replaces a scalar', { svc: 'none' }, { svc: { type: 'NodePort' } }, { svc: { type: 'NodePort' } }],
    ['null replaces and is kept, so helm drops the chart default too', { persistence: { enabled: true } }, { persistence: null }, { persistence: null }],
    ['an empty map changes nothing', { a: 1 }, {}, { a: 1 }],
  ])('%s', (_n, a, b, want) => {
    expect(mergeValues(a, b)).toEqual(want);
  });

  it('does not mutate its inputs', () => {
    const a = { x: { y: 1 } };
    mergeValues(a, { x: { y: 2 } });
    expect(a).toEqual({ x: { y: 1 } });
  });
});

describe('composing an Addon values', () => {
  const files = [{ controller: { image: 'a', replicas: 1 }, args: ['x'] }, { controller: { replicas: 2 } }];

  it('files in order, then secrets, then inline values', () => {
    const v = composeValues({
      files,
      valuesFrom: [{ secret: 'jenkins-values' }],
      secrets: { 'jenkins-values': 'controller:\n  image: b\n  admin: {user: root}\n' },
      inline: { controller: { image: 'c' } },
    });
    expect(v).toEqual({ controller: { image: 'c', replicas: 2, admin: { user: 'root' } }, args: ['x'] });
  });

  it('a targetPath secret lands as a string and overrides inline values (as in Flux)', () => {
    const v = composeValues({
      valuesFrom: [{ secret: 'jenkins-admin', targetPath: 'controller.admin.password' }],
      secrets: { 'jenkins-admin': 's3cret\n' },
      inline: { controller: { admin: { password: 'from-git', user: 'admin' } } },
    });
    expect(v).toEqual({ controller: { admin: { password: 's3cret', user: 'admin' } } });
  });

  it('an optional missing secret is skipped; a required one fails naming the secret, not a value', () => {
    expect(composeValues({ valuesFrom: [{ secret: 'nope', optional: true }], secrets: {} })).toEqual({});
    expect(() => composeValues({ valuesFrom: [{ secret: 'jenkins-admin' }], secrets: {} })).toThrow(/secret jenkins-admin does not exist; create \.hostplane\/secrets\/jenkins-admin .*HOSTPLANE_SECRET_JENKINS_ADMIN/);
  });

  it('a secret that is not a values mapping fails without echoing its content', () => {
    try {
      composeValues({ valuesFrom: [{ secret: 'pw' }], secrets: { pw: 'hunter2' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValuesError);
      expect((e as ValuesError).field).toBe('spec.valuesFrom[0]');
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

describe('values files', () => {
  it.each([
    ['', {}],
    ['# only a comment\n', {}],
    ['a: 1\nb: [1, 2]\n', { a: 1, b: [1, 2] }],
  ])('parses %j', (text, want) => {
    expect(parseValuesFile('spec.valuesFiles[0]', 'v.yaml', text)).toEqual(want);
  });

  it.each([
    ['a: 1\nb: [1, 2\n', /^manifests\/values\/x\.yaml:\d+:\d+: not valid YAML/],
    ['- a\n- b\n', /x\.yaml:1:1: a values file must hold a mapping, found a list/],
    ['just text\n', /found string/],
  ])('names file:line for %j', (text, msg) => {
    expect(() => parseValuesFile('spec.valuesFiles[1]', 'manifests/values/x.yaml', text)).toThrow(msg);
  });

  it('reports the line of a YAML error', () => {
    expect.assertions(1);
    try {
      parseValuesFile('spec.valuesFiles[0]', 'v.yaml', 'a: 1\nb:\n  c: 2\n d: 3\n');
    } catch (e) {
      expect((e as ValuesError).location!.line).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('config digest', () => {
  it('is the sha256 of canonical JSON: key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    expect(configDigest({ b: 1, a: 2 })).toBe(configDigest({ a: 2, b: 1 }));
    expect(configDigest({})).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it('changes when a value changes', () => {
    expect(configDigest({ a: 1 })).not.toBe(configDigest({ a: '1' }));
    expect(configDigest({ a: [1, 2] })).not.toBe(configDigest({ a: [2, 1] }));
  });

  it('sources are described without content', () => {
    expect(describeValuesSources({ valuesFiles: ['m/v.yaml'], valuesFrom: [{ secret: 'pw', targetPath: 'a.b' }], inline: { x: 'secret!' } })).toBe('file m/v.yaml, secret pw → a.b, inline values');
  });
});
