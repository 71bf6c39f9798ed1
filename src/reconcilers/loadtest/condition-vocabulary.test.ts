// The reasons the LoadTest domain modules produce must be in the closed vocabulary that
// crds/loadtest.yaml documents per condition (what `hostplane explain` prints).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { classifyExit } from './exit-code.js';

const crd = parse(readFileSync(fileURLToPath(new URL('../../../crds/loadtest.yaml', import.meta.url)), 'utf8'));
const text: string = crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.conditions.description;
const vocabulary = (type: string) => (new RegExp(`^- ${type}: .*Reasons: ([^\\n]*)\\.$`, 'm').exec(text)?.[1] ?? '').replace(/\s*\([^)]*\)/g, '').split(', ');

describe('LoadTest condition vocabulary', () => {
  it('lists every Succeeded reason the exit classification produces', () => {
    const reasons = new Set<string>();
    for (const tool of ['k6', 'stress-ng'] as const) {
      for (const testType of ['http', 'cpu', 'memory'] as const) {
        for (let code = 0; code <= 140; code++) {
          reasons.add(classifyExit({ tool, testType, exitCode: code }).reason);
          reasons.add(classifyExit({ tool, testType, exitCode: code, terminationReason: 'OOMKilled' }).reason);
        }
      }
    }
    for (const r of reasons) expect(vocabulary('Succeeded')).toContain(r);
  });

  it.each([
    ['Running', ['Pending', 'Running', 'Cooldown', 'Collecting', 'Idle']],
    ['ThresholdsPassed', ['Passed', 'Crossed', 'NoThresholds']],
  ])('%s lists %o', (type, reasons) => {
    for (const r of reasons) expect(vocabulary(type)).toContain(r);
  });

  it('lastRun has a progress object', () => {
    const lastRun = crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.lastRun;
    expect(Object.keys(lastRun.properties.progress.properties)).toEqual(['elapsedSeconds', 'plannedSeconds', 'fraction']);
  });
});
