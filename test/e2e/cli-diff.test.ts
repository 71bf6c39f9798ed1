// `hostplane diff`: per object, the action the VM reconciler's classify step would lead to now, read
// from what the state dir last observed; `diff -f FILE` shows the spec change and the action after it.
// Exit codes as kubectl diff: 0 nothing to do, 1 something to do, above 1 an error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.js';
import { loadSchemaRegistry } from '../../src/api/schema.js';
import { SpecSource } from '../../src/controllers/source.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { ObjectStore, StateDirPersistence } from '../../src/controllers/store.js';

const SPECS = join(import.meta.dirname, '..', '..', 'specs');
const SLOW = { timeout: 120_000 };
let tmp: string;
let state: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hp-cli-diff-'));
  state = join(tmp, 'state');
  const dir = new StateDir(state);
  const store = new ObjectStore(new StateDirPersistence(dir));
  await new SpecSource({ specsDir: SPECS, store, registry: loadSchemaRegistry() }).scanOnce();
  // What up would have left: ownership records and the provider's last report in status.observed.
  const ours = (name: string, running: boolean) => dir.writeJson(`vms/${name}.json`, { providerName: name, provider: 'sim', objectUid: store.get('VirtualMachine', name)!.metadata.uid, phase: 'Created', incarnation: `inc-${name}`, requestedAt: '2026-12-06T00:00:00Z', createdAt: '2026-12-06T00:00:01Z', running });
  const observed = (name: string, o: Record<string, unknown>) => store.updateStatus('VirtualMachine', name, { phase: String(o.powerState), observed: o } as never);
  ours('dev-master', true);
  observed('dev-master', { powerState: 'Running', cpu: 2, memory: '4Gi', diskSize: '30Gi' });
  ours('dev-worker1', true); // created by us and gone from the host: recreate
  ours('prod-master', false);
  observed('prod-master', { powerState: 'Stopped', cpu: 2, memory: '3Gi', diskSize: '30Gi' });
  ours('prod-worker1', true);
  observed('prod-worker1', { powerState: 'Running', cpu: 1, memory: '8Gi', diskSize: '30Gi' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hostplane diff', () => {
  it('prints the action per object and exits 1 when there is any, 0 when there is none', SLOW, async () => {
    const c = (...a: string[]) => runCli(['--specs', SPECS, '--state', state, 'diff', ...a]);
    const [vms, converged, cluster, unknown] = await Promise.all([c('vms', '-l', 'hostplane.dev/cluster in (dev,prod)'), c('vm/dev-master'), c('cluster/dev'), c('vmz')]);
    expect(vms.code).toBe(1);
    expect(vms.stdout).toBe(
      [
        'virtualmachine/dev-master: nothing',
        'virtualmachine/dev-worker1: recreate (hostplane created it and it is gone from the host)',
        'virtualmachine/prod-master: start (spec.powerState is Running)',
        'virtualmachine/prod-worker1: resize (cpu 1 → 2 (restarts the VM))',
        'virtualmachine/prod-worker2: create (2 vCPU, 8Gi)',
        '',
      ].join('\n'),
    );
    expect(vms.stderr).toMatch(/^status as of \d\d:\d\d:\d\d; hostplane up is not running\n$/);
    expect(converged.code).toBe(0);
    expect(converged.stdout).toBe('virtualmachine/dev-master: nothing\n');
    expect(cluster).toMatchObject({ code: 0, stdout: 'cluster/dev: no plan available yet\n' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: the server doesn't have a resource type "vmz"/);
  });

  it('diff -f FILE: the spec change, and the action after it (exit 1); a missing file exits above 1', SLOW, async () => {
    const bigger = join(tmp, 'bigger.yaml');
    writeFileSync(bigger, 'apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: dev-master\n  labels: {hostplane.dev/cluster: dev, hostplane.dev/role: control-plane}\nspec:\n  image: ghcr.io/cirruslabs/ubuntu:latest\n  cpu: 4\n  memory: 4Gi\n  network: {mode: softnet, allow: ["0.0.0.0/0"]}\n  ssh: {user: admin, passwordSecret: tart-default}\n  provision:\n    hostname: dev-master\n    packages: [conntrack, socat, curl, ca-certificates, gpg]\n');
    const c = (...a: string[]) => runCli(['--specs', SPECS, '--state', state, 'diff', ...a]);
    const [changed, missing] = await Promise.all([c('-f', bigger), c('-f', '/missing.yaml')]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^virtualmachine\/dev-master: spec changes\n/);
    expect(changed.stdout).toMatch(/^ {2}- {3}cpu: 2$/m);
    expect(changed.stdout).toMatch(/^ {2}\+ {3}cpu: 4$/m);
    expect(changed.stdout).toMatch(/^ {2}then resize \(cpu 2 → 4 \(restarts the VM\)\)$/m);
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'error: the path "/missing.yaml" does not exist\n' });
  });
});
