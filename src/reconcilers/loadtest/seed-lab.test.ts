// Every LoadTest of the example lab (specs/loadtests/, the seed's 13 presets) renders its run:
// k6 presets a script and Jobs, stress presets stress-ng argv with the YAML on stdout.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { generateK6Script } from './k6-script.js';
import { buildRunObjects } from './job-manifest.js';
import { classifyExit } from './exit-code.js';
import { withLoadTestDefaults, type LoadTestSpec } from './spec-types.js';
import { stressNgArgs } from './stress-ng-args.js';
import { k6Thresholds } from './thresholds.js';

const dir = fileURLToPath(new URL('../../../specs/loadtests/', import.meta.url));
const presets = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as { metadata: { name: string }; spec: LoadTestSpec }));

describe('the example lab load tests', () => {
  it('are the seed\'s 13 presets', () => {
    expect(presets).toHaveLength(13);
  });

  it.each(presets.map((p) => [p.metadata.name, p] as const))('%s renders its run', (name, p) => {
    const spec = withLoadTestDefaults(p.spec);
    const isK6 = spec.type === 'http' || spec.type === 'scaling';
    const script = isK6 ? generateK6Script(spec) : undefined;
    const objs = buildRunObjects({ loadTest: name, runId: '20261206-000000-1', spec, script });
    expect(objs.jobs).toHaveLength(1);
    if (isK6) expect(script!.files['script.js']).toContain(JSON.stringify(spec.target!.url));
    else expect(stressNgArgs(spec).slice(-3)).toEqual(['--metrics-brief', '--yaml', '/dev/stdout']);
  });

  it('dev-strict-sla carries its thresholds into k6', () => {
    const p = presets.find((x) => x.metadata.name === 'dev-strict-sla')!;
    expect(k6Thresholds(p.spec.thresholds)).toEqual({ http_req_duration: ['p(95)<500'], http_req_failed: ['rate<0.01'] });
  });

  it('the stress presets\' comment states the exit rules the controller applies to a memory test', () => {
    const header = readFileSync(join(dir, 'stress.yaml'), 'utf8').split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s*/, '')).join(' ');
    // stress-ng surviving its limit (3, 5, 7) is a result; the kernel's OOM kill of the container is an error
    for (const code of [3, 5, 7]) expect(classifyExit({ tool: 'stress-ng', testType: 'memory', exitCode: code })).toMatchObject({ outcome: 'Succeeded', reason: 'LimitReached' });
    expect(header).toMatch(/3, 5 (or|and) 7[^.]*\.?[^.]*Succeeded, reason\s+LimitReached/);
    const oom = classifyExit({ tool: 'stress-ng', testType: 'memory', exitCode: 137, terminationReason: 'OOMKilled' });
    expect(oom.outcome).toBe('Error');
    expect(header).toMatch(/OOMKilled, exit 137\)[^.]*the run\s+is an Error naming the killed pod/);
    expect(header).not.toMatch(/OOM kill shows up as a result/);
  });
});
