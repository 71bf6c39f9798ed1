// The reasons the Addon domain modules produce must be in the closed vocabulary that
// crds/addon.yaml documents per condition (what `hostplane explain` prints).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const crd = parse(readFileSync(fileURLToPath(new URL('../../../crds/addon.yaml', import.meta.url)), 'utf8'));
const text: string = crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.conditions.description;
const vocabulary = (type: string) => (new RegExp(`^- ${type}: .*Reasons: ([^\\n]*)\\.$`, 'm').exec(text)?.[1] ?? '').replace(/\s*\([^)]*\)/g, '').split(', ');

describe('Addon condition vocabulary', () => {
  it.each([
    // release-state.ts stall reasons
    ['Stalled', ['RetriesExceeded', 'NameConflict', 'ReleaseLocked']],
    ['Ready', ['NameConflict', 'RetriesExceeded', 'DriftDetected']],
    // dependency-order.ts, values.ts, health.ts
    ['Stalled', ['DependencyCycle']],
    ['Ready', ['DependencyCycle', 'DependencyNotReady', 'ValuesInvalid', 'HealthCheckFailed']],
    ['Drifted', ['DriftDetected', 'NoDriftDetected']],
  ])('%s lists %o', (type, reasons) => {
    for (const r of reasons) expect(vocabulary(type)).toContain(r);
  });
});
