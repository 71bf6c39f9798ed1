// The CLI's spec-editing verbs and the API's auth, against a real `hostplane up` process (sim host).
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ObjectStore, StateDirPersistence } from '../../src/controllers/store.js';
import { loadWorld } from '../../src/sim/host/sim-world.js';
import { runCli, startCli, startUp, type UpProcess } from '../fixtures/cli.js';
import { makeLab, vmDoc, type Lab } from '../fixtures/lab.js';
import { waitFor } from '../fixtures/wait-for.js';

let lab: Lab | undefined;
let up: UpProcess | undefined;

afterEach(async () => {
  await up?.stop();
  up = undefined;
  lab?.cleanup();
  lab = undefined;
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const COMMENTED = `# the web tier: keep this comment
apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata:
  name: web   # inline comment stays too
spec:
  image: ghcr.io/cirruslabs/ubuntu:latest
  cpu: 2       # two cores
  memory: 2Gi
---
${vmDoc('db')}`;

describe('hostplane wait', () => {
  it('reports progress on stderr while it waits, then the result on stdout; times out with exit 5; an unknown object exits 4', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    const l = lab;
    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    // Started before `up`: the object is in the specs but has no status yet.
    const waiting = startCli(['wait', 'vm/a', '--for=condition=Ready', '--timeout=60s', ...args]);
    try {
      await waiting.waitForOutput('waiting for virtualmachine/a: Ready not reported yet');
      up = startUp(['--specs', l.specsDir, '--state', l.stateDir.root, '--provider', 'sim', '--listen', 'off', '--sim-scale', '0.5', '--poll', '1s']);
      await waitFor(() => waiting.child.exitCode !== null, 60_000, 'wait to return');
    } finally {
      await waiting.stop();
    }
    expect(waiting.child.exitCode).toBe(0);
    expect(waiting.stdout().trim()).toBe('virtualmachine/a condition met');
    expect(waiting.stderr()).not.toContain('condition met');

    // kubectl's spellings: condition type and status in any case.
    expect((await runCli(['wait', 'vm/a', '--for=condition=ready=true', '--timeout=5s', ...args])).code).toBe(0);
    const timedOut = await runCli(['wait', 'vm/a', '--for=condition=Ready=False', '--timeout=1s', ...args]);
    expect(timedOut.code).toBe(5);
    expect(timedOut.stderr).toMatch(/timed out waiting for virtualmachine\/a: Ready is True \(Ready: VM is running at /);
    expect((await runCli(['wait', 'vm/nope', '--for=condition=Ready', '--timeout=1s', ...args])).code).toBe(4);
  }, 90_000);
});

describe('hostplane stop/start and logs', () => {
  it('stop rewrites powerState in the spec file keeping comments, and the VM stops; start brings it back', async () => {
    lab = makeLab({ 'lab.yaml': COMMENTED });
    const l = lab;
    up = startUp(['--specs', l.specsDir, '--state', l.stateDir.root, '--provider', 'sim', '--listen', 'off', '--sim-scale', '0.2', '--poll', '1s']);
    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    await waitFor(() => loadWorld(l.stateDir).vms.web?.state === 'running', 30_000, 'web running');

    const stop = await runCli(['stop', 'vm/web', ...args]);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/virtualmachine\/web powerState set to Stopped in lab\.yaml/);
    const text = readFileSync(join(l.specsDir, 'lab.yaml'), 'utf8');
    expect(text).toContain('# the web tier: keep this comment');
    // Comments stay; the edited document may re-space them (yaml re-renders a document that gains a key).
    expect(text).toMatch(/name: web +# inline comment stays too/);
    expect(text).toMatch(/cpu: 2 +# two cores/);
    expect(text).toMatch(/powerState: Stopped/);
    expect(text.split('---')[1]).toBe(`\n${vmDoc('db')}`); // the other document is untouched
    await waitFor(() => loadWorld(l.stateDir).vms.web?.state === 'stopped', 30_000, 'web stopped');

    expect((await runCli(['start', 'virtualmachine', 'web', ...args])).code).toBe(0);
    await waitFor(() => loadWorld(l.stateDir).vms.web?.state === 'running', 30_000, 'web running again');
    const store = new ObjectStore(new StateDirPersistence(l.stateDir, true));
    store.restore();
    await waitFor(() => {
      const s = new ObjectStore(new StateDirPersistence(l.stateDir, true));
      s.restore();
      return s.get('VirtualMachine', 'web')?.metadata.generation === 3;
    }, 10_000, 'generation 3 after two edits');

    const logs = await runCli(['logs', 'vm/web', ...args]);
    expect(logs.code).toBe(0);
    // No provisioning in this spec, so the provider-command log is what there is: create, start, stop, start.
    expect(logs.stdout).toMatch(/==> commands [\s\S]* create ok [\s\S]* start ok [\s\S]* stop ok \(\d+ ms\) timeout=\d+s\n[\s\S]* start ok /);
    const usage = await runCli(['stop', 'vm/nope', ...args]);
    expect(usage.code).toBe(4);
  }, 90_000);
});

describe('API beyond loopback', () => {
  it('answers 401 on every route without the token when listening on 0.0.0.0, and 200 with it', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    const port = await freePort();
    up = startUp(['--specs', lab.specsDir, '--state', lab.stateDir.root, '--provider', 'sim', '--listen', `0.0.0.0:${port}`]);
    await up.waitForOutput('reconciling');
    const token = /token:\s+(\S+)/.exec(up.output())?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const base = `http://127.0.0.1:${port}`;
    const routes: [string, string][] = [
      ['GET', '/healthz'],
      ['GET', '/metrics'],
      ['GET', '/'],
      ['GET', '/api/v1/kinds'],
      ['GET', '/api/v1/virtualmachines'],
      ['GET', '/api/v1/virtualmachines/a'],
      ['GET', '/api/v1/events'],
      ['GET', '/api/v1/watch'],
      ['POST', '/api/v1/apply'],
      ['POST', '/api/v1/virtualmachines/a/reconcile'],
      ['POST', '/api/v1/virtualmachines/a/suspend'],
      ['DELETE', '/api/v1/virtualmachines/a'],
    ];
    for (const [method, path] of routes) {
      const res = await fetch(base + path, { method });
      expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 401 });
      await res.body?.cancel();
    }
    const ok = await fetch(`${base}/api/v1/virtualmachines/a`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { metadata: { name: string } }).metadata.name).toBe('a');
    const wrong = await fetch(`${base}/healthz`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  }, 60_000);
});

describe('hostplane apply -f and delete', () => {
  it('applies new and changed objects into the specs (in place, comments kept), refuses an invalid file whole, and deletes a document', async () => {
    lab = makeLab({ 'lab.yaml': COMMENTED });
    const l = lab;
    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    const input = join(l.root, 'input.yaml');
    const { writeFileSync, existsSync } = await import('node:fs');

    writeFileSync(input, `${vmDoc('cache')}---\n${COMMENTED.split('---\n')[0].replace('cpu: 2', 'cpu: 4')}`);
    const applied = await runCli(['apply', '-f', input, ...args]);
    expect(applied.code).toBe(0);
    // A new object goes beside the file that already holds its kind (lab.yaml at the top), not into a new virtualmachines/ folder.
    expect(applied.stdout.trim().split('\n')).toEqual(['virtualmachine/cache created (cache.yaml)', 'virtualmachine/web configured (lab.yaml)']);
    const labText = readFileSync(join(l.specsDir, 'lab.yaml'), 'utf8');
    expect(labText).toContain('# the web tier: keep this comment');
    expect(labText).toMatch(/cpu: 4/);
    expect(readFileSync(join(l.specsDir, 'cache.yaml'), 'utf8')).toContain('name: cache');
    expect((await runCli(['apply', '-f', input, ...args])).stdout).toMatch(/virtualmachine\/cache unchanged/);

    writeFileSync(input, `${vmDoc('ok-one')}---\n${vmDoc('bad', { cpu: 'lots' })}`);
    const bad = await runCli(['apply', '-f', input, ...args]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/input\.yaml:\d+:\d+ spec\.cpu: /);
    expect(bad.stderr).toContain('nothing was written');
    expect(existsSync(join(l.specsDir, 'virtualmachines/ok-one.yaml'))).toBe(false);

    const del = await runCli(['delete', 'vm/db', ...args]);
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/virtualmachine\/db deleted from lab\.yaml/);
    const after = readFileSync(join(l.specsDir, 'lab.yaml'), 'utf8');
    expect(after).not.toContain('name: db');
    expect(after).toContain('name: web');
    expect((await runCli(['delete', 'vm/db', ...args])).code).toBe(4);
  }, 60_000);
});

describe('hostplane apply -f when the object\'s file does not parse (issue 14 item 2)', () => {
  it.each([
    ['while up has never seen it parse (state dir empty)', false],
    ['after up knew the object (state dir remembers it)', true],
  ])('refuses with exit 1 and the API\'s message, writing no second definition: %s', async (_what, remembered) => {
    lab = makeLab({ 'lab.yaml': COMMENTED });
    const l = lab;
    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    const { writeFileSync, readdirSync } = await import('node:fs');
    if (remembered) {
      const store = new ObjectStore(new StateDirPersistence(l.stateDir));
      store.applySpec({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'web' }, spec: { image: 'ghcr.io/cirruslabs/ubuntu:latest', cpu: 2, memory: '2Gi' } });
    }
    const broken = COMMENTED.replace('cpu: 2       # two cores', 'cpu: [2       # two cores');
    writeFileSync(join(l.specsDir, 'lab.yaml'), broken);
    const input = join(l.root, 'input.yaml');
    writeFileSync(input, COMMENTED.split('---\n')[0].replace('cpu: 2', 'cpu: 4'));
    const res = await runCli(['apply', '-f', input, ...args]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/lab\.yaml:\d+:\d+: cannot edit the file, it does not parse/);
    expect(readFileSync(join(l.specsDir, 'lab.yaml'), 'utf8')).toBe(broken);
    expect(readdirSync(l.specsDir)).toEqual(['lab.yaml']);
  }, 30_000);
});

describe('spec files above the 1 MiB limit (issue 14 item 7)', () => {
  it('get names the file and keeps working; apply -f refuses the file whole', async () => {
    lab = makeLab({ 'lab.yaml': COMMENTED, 'big.yaml': `${vmDoc('huge')}# ${'x'.repeat(1024 * 1024 + 100)}\n` });
    const l = lab;
    const args = ['--specs', l.specsDir, '--state', l.stateDir.root];
    const got = await runCli(['get', 'vms', ...args]);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/big\.yaml.*above the 1 MiB limit for spec files/);
    expect(got.stdout).toMatch(/web/);
    expect(got.stdout).not.toMatch(/huge/);
    const applied = await runCli(['apply', '-f', join(l.specsDir, 'big.yaml'), ...args]);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/big\.yaml is 1\.0 MiB, above the 1 MiB limit/);
  }, 30_000);
});

