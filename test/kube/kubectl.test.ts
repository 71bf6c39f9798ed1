// The real kubectl 1.31.9, as a separate process, against the simulated API server and control
// plane: what it prints and what the store holds afterwards.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBinaries } from '../../src/adapters/tools/test-binaries.js';
import { startSimEnv, type SimEnv } from './harness.js';

const deployments = { group: 'apps', version: 'v1', resource: 'deployments' };
type Obj = Record<string, any>;

describe('kubectl 1.31.9 against the simulated cluster', () => {
  let sim: SimEnv;
  let kubectl: (...args: string[]) => ReturnType<SimEnv['run']>;
  let kubectlPath: string;
  const deploy = (name: string) => sim.cluster.store.get(deployments, 'demo', name) as Obj | undefined;

  beforeAll(async () => {
    kubectlPath = (await testBinaries()).kubectl131;
    sim = await startSimEnv({ host: '127.0.0.7' });
    kubectl = (...args) => sim.run(kubectlPath, args);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('applies the demo manifests, rolls out and shows pods Running on sim nodes', async () => {
    const r = await kubectl('apply', '-f', 'manifests/demo/');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('namespace/demo created');
    expect(r.stdout).toContain('deployment.apps/nginx-web created');
    expect(r.stdout).toContain('service/nginx-web created');
    expect(sim.cluster.store.list(deployments, { namespace: 'demo' }).items.map((d) => d.metadata.name).sort()).toEqual(['httpbin', 'httpbin-v2', 'nginx-web', 'redis']);
    expect(deploy('nginx-web')!.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']).toContain('nginx-web');

    const rs = await kubectl('rollout', 'status', 'deploy/nginx-web', '-n', 'demo', '--timeout=20s');
    expect(rs.stdout).toContain('deployment "nginx-web" successfully rolled out');
    expect(rs.code).toBe(0);

    const pods = await kubectl('get', 'pods', '-n', 'demo', '-l', 'app=nginx-web', '-o', 'wide');
    const lines = pods.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(lines.slice(1)).toHaveLength(3);
    for (const l of lines.slice(1)) expect(l).toMatch(/nginx-web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+sim-worker[12]/);
  });

  it('apply after an edit sends a strategic merge patch and changes only what changed', async () => {
    const dir = join(sim.dir, 'edit');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'nginx-web.yaml'), readFileSync('manifests/demo/nginx-web.yaml', 'utf8').replace('replicas: 3', 'replicas: 4').replace('image: nginx:alpine', 'image: nginx:1.27-alpine'));
    const before = deploy('nginx-web')!;
    const r = await kubectl('apply', '-f', join(dir, 'nginx-web.yaml'));
    expect(r.stdout).toContain('deployment.apps/nginx-web configured');
    expect(r.stdout).toMatch(/service\/nginx-web unchanged/);
    expect(sim.requests.some((l) => /^PATCH \/apis\/apps\/v1\/namespaces\/demo\/deployments\/nginx-web\?fieldManager=kubectl-client-side-apply.* 200 .*\[application\/strategic-merge-patch\+json\]/.test(l))).toBe(true);
    const after = deploy('nginx-web')!;
    expect(after.spec.replicas).toBe(4);
    expect(after.spec.template.spec.containers[0].image).toBe('nginx:1.27-alpine');
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    expect(after.metadata.uid).toBe(before.metadata.uid);
  });

  it('apply --server-side reports the conflict with kubectl-client-side-apply, then --force-conflicts takes the field', async () => {
    const file = join(sim.dir, 'edit', 'ssa.yaml');
    writeFileSync(file, readFileSync('manifests/demo/nginx-web.yaml', 'utf8').replace('replicas: 3', 'replicas: 5').replace('image: nginx:alpine', 'image: nginx:1.27-alpine'));
    const r = await kubectl('apply', '--server-side', '-f', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(deploy('nginx-web')!.spec.replicas).toBe(4);
    const f = await kubectl('apply', '--server-side', '--force-conflicts', '-f', file);
    expect(f.code).toBe(0);
    expect(f.stdout).toContain('deployment.apps/nginx-web serverside-applied');
    const d = deploy('nginx-web')!;
    expect(d.spec.replicas).toBe(5);
    const mine = (d.metadata.managedFields as Obj[]).find((m) => m.manager === 'kubectl' && m.operation === 'Apply');
    expect(mine?.fieldsV1?.['f:spec']?.['f:replicas']).toEqual({});
  });

  it('scale patches /scale and the deployment follows', async () => {
    const r = await kubectl('scale', 'deploy/nginx-web', '-n', 'demo', '--replicas=2');
    expect(r.stdout.trim()).toBe('deployment.apps/nginx-web scaled');
    expect(deploy('nginx-web')!.spec.replicas).toBe(2);
    expect(sim.requests.some((l) => /^PATCH \/apis\/apps\/v1\/namespaces\/demo\/deployments\/nginx-web\/scale.* 200 .*merge-patch/.test(l))).toBe(true);
    const rs = await kubectl('rollout', 'status', 'deploy/nginx-web', '-n', 'demo', '--timeout=20s');
    expect(rs.stdout).toContain('successfully rolled out');
    expect(sim.cluster.store.list({ group: '', version: 'v1', resource: 'pods' }, { namespace: 'demo', labelSelector: 'app=nginx-web' }).items.filter((p) => !p.metadata.deletionTimestamp)).toHaveLength(2);
  });

  it('get --watch prints a change made after it started', async () => {
    const w = sim.start(kubectlPath, ['get', 'configmaps', '-n', 'default', '--watch']);
    // The watch request reaching the server is the observable start (an empty list prints nothing).
    await sim.waitForRequest(/^GET \/api\/v1\/namespaces\/default\/configmaps\?.*watch=true/);
    sim.cluster.store.create({ group: '', version: 'v1', resource: 'configmaps' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seen-by-watch', namespace: 'default' }, data: { a: '1' } });
    const out = await w.waitFor(/seen-by-watch\s+1\s+/);
    await w.stop();
    expect(out).toMatch(/seen-by-watch\s+1\s+\d+s/);
  });

  it('explain reads the OpenAPI v3 documents', async () => {
    const r = await kubectl('explain', 'deployment.spec.replicas');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('FIELD: replicas <integer>');
    expect(r.stdout).toContain('Number of desired pods');
  });

  it('logs -f streams a container as it prints', async () => {
    const mk = await kubectl('run', 'talker', '-n', 'default', '--image=example/talker:1', '--restart=Never');
    expect(mk.stdout).toContain('pod/talker created');
    const wait = await kubectl('wait', '--for=condition=Ready', 'pod/talker', '-n', 'default', '--timeout=20s');
    expect(wait.stdout).toContain('pod/talker condition met');
    const f = sim.start(kubectlPath, ['logs', '-f', 'talker', '-n', 'default']);
    const out = await f.waitFor(/hello 3\n/);
    await f.stop();
    expect(out).toMatch(/^hello 1\nhello 2\nhello 3\n/);
  });

  it('exec and port-forward fail with a message that says why', async () => {
    const e = await kubectl('exec', 'talker', '-n', 'default', '--', 'ls');
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('exec is not supported by the simulated API server');
    const pf = await kubectl('port-forward', 'pod/talker', '-n', 'default', '18080:80');
    expect(pf.code).toBe(1);
    expect(pf.stderr).toContain('portforward is not supported by the simulated API server');
  });

  it('wait --for=condition=complete sees a Job finish', async () => {
    const job = `apiVersion: batch/v1\nkind: Job\nmetadata: {name: once, namespace: default}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n`;
    const c = await sim.run(kubectlPath, ['apply', '-f', '-'], { input: job });
    expect(c.stdout).toContain('job.batch/once created');
    const r = await kubectl('wait', '--for=condition=complete', 'job/once', '-n', 'default', '--timeout=25s');
    expect(r.stdout).toContain('job.batch/once condition met');
    const j = sim.cluster.store.get({ group: 'batch', version: 'v1', resource: 'jobs' }, 'default', 'once') as Obj;
    expect(j.status.succeeded).toBe(1);
    expect(j.status.conditions.some((x: Obj) => x.type === 'Complete' && x.status === 'True')).toBe(true);
  });

  it('server-side field validation: a typo is refused under Strict, warned under --validate=warn, ignored with --validate=false', async () => {
    const typo = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: typo, namespace: default}\nspec:\n  replica: 2\n  selector: {matchLabels: {app: typo}}\n  template:\n    metadata: {labels: {app: typo}}\n    spec:\n      containers: [{name: c, image: nginx, imagePullPolice: Always}]\n`;
    const strict = await sim.run(kubectlPath, ['apply', '-f', '-'], { input: typo });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[0].imagePullPolice"');
    expect(sim.cluster.store.get(deployments, 'default', 'typo')).toBeUndefined();
    const warn = await sim.run(kubectlPath, ['apply', '--validate=warn', '-f', '-'], { input: typo });
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('Warning: unknown field "spec.replica"');
    expect(sim.cluster.store.get(deployments, 'default', 'typo')).toBeDefined();
  });

  it('delete ns demo removes the namespace and everything in it', async () => {
    const r = await kubectl('delete', 'ns', 'demo', '--timeout=20s');
    expect(r.stdout).toContain('namespace "demo" deleted');
    expect(sim.cluster.store.get({ group: '', version: 'v1', resource: 'namespaces' }, undefined, 'demo')).toBeUndefined();
    for (const res of ['pods', 'services', 'endpoints']) expect(sim.cluster.store.list({ group: '', version: 'v1', resource: res }, { namespace: 'demo' }).items).toEqual([]);
    expect(sim.cluster.store.list(deployments, { namespace: 'demo' }).items).toEqual([]);
    const g = await kubectl('get', 'all', '-n', 'demo');
    expect(g.stderr).toContain('No resources found in demo namespace.');
  });
});
