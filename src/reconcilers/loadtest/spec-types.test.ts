import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSchemaRegistry } from '../../api/schema.js';
import { parseSpecFile } from '../../controllers/spec-parse.js';
import { parseDuration } from './duration.js';
import { LOADTEST_SPEC_FIELDS, withLoadTestDefaults } from './spec-types.js';

const crd = parse(readFileSync(fileURLToPath(new URL('../../../crds/loadtest.yaml', import.meta.url)), 'utf8'));
const p = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;

describe('LoadTest spec types', () => {
  it('name exactly the spec fields the CRD declares', () => {
    expect([...LOADTEST_SPEC_FIELDS].sort()).toEqual(Object.keys(p).sort());
  });

  it('fill the same defaults as the CRD', () => {
    const h = withLoadTestDefaults({ cluster: 'dev', type: 'http' });
    const c = withLoadTestDefaults({ cluster: 'dev', type: 'cpu' });
    expect(h.k6!.vus).toBe(p.k6.properties.vus.default);
    expect(h.k6!.duration).toBe(p.k6.properties.duration.default);
    expect(h.k6!.summaryTrendStats).toEqual(p.k6.properties.summaryTrendStats.default);
    expect(c.stressNg!.vmBytes).toBe(p.stressNg.properties.vmBytes.default);
    expect(c.stressNg!.cpuLoad).toBe(p.stressNg.properties.cpuLoad.default);
    expect([h.namespace, h.parallelism, h.timeout, h.cleanup, h.keepRuns, h.runPolicy]).toEqual([p.namespace.default, p.parallelism.default, p.timeout.default, p.cleanup.default, p.keepRuns.default, p.runPolicy.default]);
    expect(h.stressNg).toBeUndefined();
    expect(c.k6).toBeUndefined();
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['0s', 0],
    ['30', undefined],
    ['30 seconds', undefined],
    ['', undefined],
  ])('%s → %s', (t, ms) => {
    expect(parseDuration(t)).toBe(ms);
  });
});

describe('thresholds at load', () => {
  const registry = loadSchemaRegistry();
  const doc = (field: string, value: string) =>
    `apiVersion: hostplane.dev/v1alpha1\nkind: LoadTest\nmetadata:\n  name: web\nspec:\n  cluster: dev\n  type: http\n  target:\n    url: http://web/\n  thresholds:\n    ${field}: "${value}"\n`;
  const errorsOf = (field: string, value: string) => parseSpecFile('loadtests/web.yaml', doc(field, value), registry).errors;

  it.each([
    ['errorRate', '1000%'],
    ['errorRate', '150%'],
    ['errorRate', '100.5%'],
    ['errorRate', '-1%'],
    ['p95', '0ms'],
    ['p99', '0s'],
    ['p95', '0.0s'],
    ['p99', '0m0s'],
  ])('refuses %s: %s with file, line and field', (field, value) => {
    const errs = errorsOf(field, value);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ file: 'loadtests/web.yaml', line: 11, field: `spec.thresholds.${field}` });
    expect(errs[0]!.message).toMatch(field === 'errorRate' ? /percentage from 0% to 100%/ : /more than 0/);
  });

  it.each([
    ['errorRate', '0%'],
    ['errorRate', '1%'],
    ['errorRate', '0.5%'],
    ['errorRate', '99.9%'],
    ['errorRate', '100%'],
    ['p95', '500ms'],
    ['p95', '0.5ms'],
    ['p99', '1s'],
    ['p99', '1m30s'],
    ['p95', '0m10s'],
  ])('accepts %s: %s', (field, value) => {
    expect(errorsOf(field, value)).toEqual([]);
  });
});
