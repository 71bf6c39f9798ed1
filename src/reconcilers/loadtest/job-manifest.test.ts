import { describe, expect, it } from 'vitest';
import { generateK6Script } from './k6-script.js';
import { buildRunObjects, executionSegment, runObjectName } from './job-manifest.js';
import { withLoadTestDefaults } from './spec-types.js';

const http = withLoadTestDefaults({ cluster: 'dev', type: 'http', target: { url: 'http://nginx-web.demo.svc.cluster.local/', nodeSelector: { role: 'load' } }, k6: { vus: 50, duration: '30s', env: { TOKEN_HEADER: 'X-A' } }, timeout: '10m' });
const mem = withLoadTestDefaults({ cluster: 'dev', type: 'memory', namespace: 'stress', stressNg: { workers: 1, vmBytes: '64M', resources: { limits: { memory: '256Mi' } } } });
type J = { metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: { backoffLimit: number; activeDeadlineSeconds: number; template: { metadata: { annotations: Record<string, string> }; spec: { restartPolicy: string; nodeSelector?: object; containers: Array<{ args: string[]; image: string; resources: object }>; volumes?: Array<{ configMap: { name: string } }> } } } };

describe('run objects', () => {
  it('a k6 run is a ConfigMap with the script and one never-retried Job labelled with the run id', () => {
    const r = buildRunObjects({ loadTest: 'dev-strict-sla', runId: '20261206-0412-a1b2', spec: http, script: generateK6Script(http) });
    expect(r.configMap).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'lt-dev-strict-sla-20261206-0412-a1b2-script', namespace: 'loadtest' } });
    expect(Object.keys((r.configMap as { data: object }).data)).toEqual(['script.js']);
    expect(r.jobs).toHaveLength(1);
    const j = r.jobs[0] as unknown as J;
    expect(j.metadata).toMatchObject({ name: 'lt-dev-strict-sla-20261206-0412-a1b2', namespace: 'loadtest', labels: { 'app.kubernetes.io/managed-by': 'hostplane', 'hostplane.dev/loadtest': 'dev-strict-sla', 'hostplane.dev/run': '20261206-0412-a1b2', 'hostplane.dev/runner': '0' } });
    expect(j.spec.backoffLimit).toBe(0);
    expect(j.spec.activeDeadlineSeconds).toBe(600);
    expect(j.spec.template.spec.restartPolicy).toBe('Never');
    expect(j.spec.template.metadata.annotations['sidecar.istio.io/inject']).toBe('false');
    expect(j.spec.template.spec.nodeSelector).toEqual({ role: 'load' });
    expect(j.spec.template.spec.containers[0]!.args).toEqual(['run', '--quiet', '-e', 'TOKEN_HEADER=X-A', '/scripts/script.js']);
    expect(j.spec.template.spec.volumes![0]!.configMap.name).toBe('lt-dev-strict-sla-20261206-0412-a1b2-script');
  });

  it('parallel k6 runners split the load with execution segments', () => {
    const spec = withLoadTestDefaults({ ...http, parallelism: 3 });
    const r = buildRunObjects({ loadTest: 'x', runId: 'r1', spec, script: generateK6Script(spec) });
    expect(r.jobs.map((j) => (j as unknown as J).metadata.name)).toEqual(['lt-x-r1-0', 'lt-x-r1-1', 'lt-x-r1-2']);
    const args = (r.jobs[1] as unknown as J).spec.template.spec.containers[0]!.args;
    expect(args).toEqual(expect.arrayContaining(['--execution-segment', '1/3:2/3', '--execution-segment-sequence', '0,1/3,2/3,1']));
  });

  it('a stress-ng run is Jobs only, with the spec resources and the YAML on stdout', () => {
    const r = buildRunObjects({ loadTest: 'dev-memory-stress-64m', runId: 'r2', spec: mem });
    expect(r.configMap).toBeUndefined();
    const c = (r.jobs[0] as unknown as J).spec.template.spec.containers[0]!;
    expect(c.args).toEqual(['--vm', '1', '--vm-bytes', '64M', '--timeout', '30s', '--metrics-brief', '--yaml', '/dev/stdout']);
    expect(c.resources).toEqual({ limits: { memory: '256Mi' } });
    expect((r.jobs[0] as unknown as J).metadata.namespace).toBe('stress');
  });

  it.each([
    [0, 1, '0:1', '0,1'],
    [0, 2, '0:1/2', '0,1/2,1'],
    [1, 2, '1/2:1', '0,1/2,1'],
  ])('segment %i of %i', (i, n, segment, sequence) => {
    expect(executionSegment(i, n)).toEqual({ segment, sequence });
  });

  it('names stay DNS-1123 and at most 63 characters', () => {
    const name = runObjectName('a-very-long-load-test-name-that-goes-on-and-on-and-on-forever', '20261206-041200-abcd', '-script');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.endsWith('-20261206-041200-abcd-script')).toBe(true);
  });
});
