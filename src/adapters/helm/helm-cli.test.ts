// The helm adapter without a cluster: flags per major, values handling and error classification,
// with a recording fake helm (argument order, values file mode) and the real helm 3.17.3 / 4.1.4
// (their real error texts: schema violations, template failures, unreachable cluster/repository).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelmError } from '../../ports/helm.js';
import { helmBinaries } from '../tools/test-binaries.js';
import { classify, schemaValuePath } from './errors.js';
import { createHelmCli } from './helm-cli.js';
import { splitChart } from './parse.js';

let tmp: string;
let fake: string;
let record: string;
let kubeconfig: string;
let chartDir: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'hp-helm-'));
  record = path.join(tmp, 'calls.txt');
  fake = path.join(tmp, 'helm');
  // Records each argv (one per line, NUL-free) and, for -f, the file's mode and content; prints a release.
  await fs.writeFile(
    fake,
    `#!/bin/sh
printf '%s\\n' "ARGS $*" >> ${record}
prev=""
for a in "$@"; do
  if [ "$prev" = "-f" ]; then printf 'MODE %s\\nCONTENT %s\\n' "$(stat -c %a "$a")" "$(cat "$a")" >> ${record}; fi
  prev="$a"
done
case "$1" in
  status) echo '{"name":"r","namespace":"ns","version":3,"info":{"status":"pending-upgrade","first_deployed":"2026-12-06T04:00:00Z","last_deployed":"2026-12-06T04:01:00Z","deleted":"","description":"Upgrade in progress"},"config":{"a":1},"manifest":"kind: X","apply_method":"ssa"}' ;;
  history) echo '[{"revision":1,"updated":"2026-12-06T04:00:00Z","status":"superseded","chart":"cilium-1.16.5","app_version":"1.16.5","description":"Install complete"},{"revision":2,"updated":"2026-12-06T04:01:00Z","status":"deployed","chart":"cilium-1.16.5","app_version":"1.16.5","description":"Upgrade complete"}]' ;;
  list) echo '[{"name":"r","namespace":"ns","revision":"2","updated":"x","status":"pending-install","chart":"c-1.0.0","app_version":"1"}]' ;;
  uninstall) echo 'Error: uninstall: Release not loaded: r: release: not found' >&2; exit 1 ;;
  *) echo '{"name":"r","namespace":"ns","version":1,"info":{"status":"deployed"},"chart":{"metadata":{"name":"c","version":"1.0.0","appVersion":"1"}}}' ;;
esac
`,
    { mode: 0o755 },
  );
  kubeconfig = path.join(tmp, 'kubeconfig');
  await fs.writeFile(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
  );
  chartDir = path.join(tmp, 'chart');
  await fs.mkdir(path.join(chartDir, 'templates'), { recursive: true });
  await fs.writeFile(path.join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 1.0.0\n');
  await fs.writeFile(
    path.join(chartDir, 'values.schema.json'),
    JSON.stringify({ type: 'object', properties: { controller: { type: 'object', additionalProperties: false, properties: { admin: { type: 'object' }, nodePort: { type: 'integer' } } } } }),
  );
  await fs.writeFile(
    path.join(chartDir, 'templates', 'cm.yaml'),
    '{{- if .Values.legacy }}{{ fail "`legacy.key` no longer exists. It has been renamed to `modern.key`" }}{{ end }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
  );
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function calls(): Promise<string[]> {
  const text = await fs.readFile(record, 'utf8').catch(() => '');
  await fs.rm(record, { force: true });
  return text.split('\n').filter(Boolean);
}

const target = () => ({ kubeconfig, namespace: 'ns', release: 'r' });

describe('flags by major (recording fake helm)', () => {
  it.each([
    [3, ['--wait', '--force'], ['--wait=watcher', '--force-replace', '--server-side=true']],
    [4, ['--wait=watcher', '--force-replace', '--server-side=true'], ['--force ']],
  ] as const)('helm %i upgrade --install uses its own wait/force flags', async (major, present, absent) => {
    const helm = await createHelmCli({ binary: fake, version: major === 3 ? '3.17.3' : '4.1.4', tmpDir: tmp });
    const rel = await helm.upgradeInstall(target(), { path: chartDir }, { values: { secret: 's3cr3t' }, wait: true, forceReplace: true, serverSide: true, timeoutMs: 90_000, createNamespace: true });
    expect(rel).toMatchObject({ name: 'r', version: 1, info: { status: 'deployed' }, chart: { name: 'c', version: '1.0.0' } });
    const lines = await calls();
    const args = lines[0];
    expect(args.startsWith(`ARGS upgrade --install r ${chartDir} --kubeconfig ${kubeconfig} -n ns --timeout 90s`)).toBe(true);
    for (const f of present) expect(args.split(' ')).toContain(f);
    for (const f of absent) expect(`${args} `).not.toContain(f.endsWith(' ') ? f : ` ${f} `);
    expect(args).toContain('--create-namespace');
    expect(args.endsWith('-o json')).toBe(true);
    // Values: only in a 0600 file, never on the command line or in the command log; file gone after.
    expect(lines[1]).toBe('MODE 600');
    expect(lines[2]).toBe('CONTENT {"secret":"s3cr3t"}');
    expect(args).not.toContain('s3cr3t');
    const logged = helm.log.calls[0];
    expect(logged.args).toContain('<values>');
    expect(JSON.stringify(helm.log.calls)).not.toContain('s3cr3t');
    const valuesPath = args.split(' ')[args.split(' ').indexOf('-f') + 1];
    await expect(fs.stat(valuesPath)).rejects.toThrow(/ENOENT/);
  });

  it('passes no -f at all when there are no values', async () => {
    const helm = await createHelmCli({ binary: fake, version: '3.17.3' });
    await helm.install(target(), { path: chartDir });
    const [args] = await calls();
    expect(args).toBe(`ARGS install r ${chartDir} --kubeconfig ${kubeconfig} -n ns -o json`);
  });

  it.each([
    [3, `ARGS list --kubeconfig KC -A -a -o json`],
    [4, `ARGS list --kubeconfig KC -A -o json`],
  ] as const)('helm %i list includes pending releases with the flags that major has', async (major, expected) => {
    const helm = await createHelmCli({ binary: fake, version: `${major}.0.0` });
    const rows = await helm.list({ kubeconfig });
    expect(rows).toEqual([{ name: 'r', namespace: 'ns', revision: 2, updated: 'x', status: 'pending-install', chart: 'c-1.0.0', appVersion: '1' }]);
    expect((await calls())[0]).toBe(expected.replace('KC', kubeconfig));
  });

  it('parses status and history JSON into typed results', async () => {
    const helm = await createHelmCli({ binary: fake, version: '4.1.4' });
    const st = await helm.status(target());
    expect(st).toMatchObject({ version: 3, info: { status: 'pending-upgrade', description: 'Upgrade in progress', deleted: undefined }, config: { a: 1 }, applyMethod: 'ssa' });
    const h = await helm.history(target(), 5);
    expect(h.map((e) => [e.revision, e.status, e.chart])).toEqual([
      [1, 'superseded', 'cilium-1.16.5'],
      [2, 'deployed', 'cilium-1.16.5'],
    ]);
    expect((await calls()).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['ARGS status', 'ARGS history']);
    expect(helm.log.summary()).toEqual(['status ns/r', 'history ns/r']);
  });

  it('treats uninstall of a release that is gone as done', async () => {
    const helm = await createHelmCli({ binary: fake, version: '3.17.3' });
    expect(await helm.uninstall(target(), { wait: true, timeoutMs: 60_000 })).toEqual({ existed: false });
    expect((await calls())[0]).toBe(`ARGS uninstall r --kubeconfig ${kubeconfig} -n ns --timeout 60s --wait`);
  });

  it('reports a helm killed through the abort signal as Aborted', async () => {
    const slow = path.join(tmp, 'slow-helm');
    await fs.writeFile(slow, '#!/bin/sh\necho started > ' + path.join(tmp, 'slow-started') + '\nexec sleep 20\n', { mode: 0o755 });
    const helm = await createHelmCli({ binary: slow, version: '3.17.3' });
    const ac = new AbortController();
    const p = helm.upgrade(target(), { path: chartDir }, { signal: ac.signal });
    // Abort once the process has observably started.
    for (let i = 0; i < 200; i++) {
      if (await fs.stat(path.join(tmp, 'slow-started')).then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    ac.abort();
    await expect(p).rejects.toMatchObject({ kind: 'Aborted' });
  });
});

describe('classification of real helm errors', () => {
  it.each([3, 4] as const)('helm %i: a value the schema rejects names the value (seed 003 BUG-006)', async (major) => {
    const bin = (await helmBinaries()).find((b) => b.major === major)!.path;
    const helm = await createHelmCli({ binary: bin });
    // helm template needs no cluster; the adapter's classifier sees the same stderr install would.
    const err = await helm.run(['template', 'r', chartDir, '--set', 'controller.adminPassword=x'], { command: 'template' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmError);
    expect(err).toMatchObject({ kind: 'SchemaViolation', valuePath: 'controller.adminPassword' });
    expect((err as Error).message).toMatch(/values\.schema\.json rejected value controller\.adminPassword/);
    const typed = await helm.run(['template', 'r', chartDir, '--set', 'controller.nodePort=abc'], { command: 'template' }).catch((e: unknown) => e);
    expect(typed).toMatchObject({ kind: 'SchemaViolation', valuePath: 'controller.nodePort' });
  });

  it.each([3, 4] as const)('helm %i: a template fail names the value', async (major) => {
    const bin = (await helmBinaries()).find((b) => b.major === major)!.path;
    const helm = await createHelmCli({ binary: bin });
    const err = await helm.run(['template', 'r', chartDir, '--set', 'legacy=1'], { command: 'template' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'TemplateFailure', valuePath: 'legacy.key' });
  });

  it.each([3, 4] as const)('helm %i: an unreachable cluster is KubeUnreachable, a missing chart path ChartNotFound', async (major) => {
    const bin = (await helmBinaries()).find((b) => b.major === major)!.path;
    const helm = await createHelmCli({ binary: bin, helmHome: path.join(tmp, `home${major}`) });
    await expect(helm.status(target())).rejects.toMatchObject({ kind: 'KubeUnreachable' });
    await expect(helm.upgradeInstall(target(), { path: chartDir })).rejects.toMatchObject({ kind: 'KubeUnreachable', retryable: true });
    await expect(helm.run(['template', 'r', path.join(tmp, 'missing')], { command: 'template' })).rejects.toMatchObject({ kind: 'ChartNotFound' });
    await expect(helm.run(['pull', 'x', '--repo', 'https://127.0.0.1:1/', '--version', '1.0.0'], { command: 'pull' })).rejects.toMatchObject({ kind: 'RepoUnreachable' });
    expect(helm.log.calls.map((c) => c.error)).toEqual(['KubeUnreachable', 'KubeUnreachable', 'ChartNotFound', 'RepoUnreachable']);
  });
});

describe('classify (texts from reference §2.3)', () => {
  it.each([
    ['Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress', 'Locked'],
    ['Error: UPGRADE FAILED: "r" has no deployed releases', 'NoDeployedReleases'],
    ['Error: release: not found', 'ReleaseNotFound'],
    ['Error: uninstall: Release not loaded: r: release: not found', 'ReleaseNotFound'],
    ['Error: INSTALLATION FAILED: cannot re-use a name that is still in use', 'NameInUse'],
    ['Error: INSTALLATION FAILED: cannot reuse a name that is still in use', 'NameInUse'],
    ['Error: UPGRADE FAILED: context deadline exceeded', 'Timeout'],
    ['Error: INSTALLATION FAILED: timed out waiting for the condition', 'Timeout'],
    ['Error: UPGRADE FAILED: resource Deployment/ns/web not ready. status: InProgress, message: x\ncontext deadline exceeded', 'Timeout'],
    ['Error: chart "nope" version "1.0.0" not found in https://example.test/ repository', 'ChartNotFound'],
    ['Error: failed to perform "FetchReference" on source: registry.test/charts/x:9.9.9: not found', 'ChartNotFound'],
    ['Error: looks like "https://x/" is not a valid chart repository or cannot be reached: Get "https://x/index.yaml": dial tcp: lookup x: no such host', 'RepoUnreachable'],
    ['Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused', 'KubeUnreachable'],
    ['Error: INSTALLATION FAILED: Post "https://127.0.0.1:6443/api/v1/namespaces": dial tcp 127.0.0.1:6443: connect: connection refused', 'KubeUnreachable'],
    ['Error: INSTALLATION FAILED: Unable to continue with install: Service "x" in namespace "y" exists and cannot be imported into the current release: invalid ownership metadata', 'OwnershipConflict'],
    ['Error: UPGRADE FAILED: 2 errors occurred:\n\t* ClusterRole.rbac.authorization.k8s.io "system:x" is invalid: metadata.name: Invalid value', 'InvalidObject'],
    ['Error: something new', 'Unknown'],
  ])('%s → %s', (stderr, kind) => {
    expect(classify(`WARNING: noise\n${stderr}\n`, { command: 'upgrade', release: 'r', namespace: 'ns' }).kind).toBe(kind);
  });

  it('keeps every line of a multi-error message', () => {
    const e = classify('Error: INSTALLATION FAILED: 2 errors occurred:\n\t* first bad thing\n\t* second bad thing\n', { command: 'install', release: 'r', namespace: 'ns' });
    expect(e.message).toBe('helm install ns/r failed: INSTALLATION FAILED: 2 errors occurred:; first bad thing; second bad thing');
  });

  it('explains a locked release in words a person can act on', () => {
    const e = classify('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress', { command: 'upgrade', release: 'r', namespace: 'ns' });
    expect(e.message).toMatch(/release ns\/r is locked.*unlock it.*or roll back/);
    expect(e.retryable).toBe(true);
  });

  it.each([
    ["- at '/controller': additional properties 'adminPassword' not allowed", 'controller.adminPassword'],
    ["- at '/controller/nodePort': got string, want integer", 'controller.nodePort'],
    ['- controller: Additional property adminPassword is not allowed', 'controller.adminPassword'],
    ['- (root): Additional property foo is not allowed', 'foo'],
    ['- persistence.size: Invalid type. Expected: string, given: integer', 'persistence.size'],
  ])('schema path of %s is %s', (line, p) => {
    expect(schemaValuePath(`values don't meet the specifications of the schema(s) in the following chart(s):\njenkins:\n${line}`)).toBe(p);
  });

  it.each([
    ['cilium-1.16.5', 'cilium', '1.16.5'],
    ['kube-prometheus-stack-66.3.1', 'kube-prometheus-stack', '66.3.1'],
    ['x-y-1.0.0-rc.1', 'x-y', '1.0.0-rc.1'],
  ])('splits chart %s', (chart, name, version) => {
    expect(splitChart(chart)).toEqual({ name, version });
  });
});
