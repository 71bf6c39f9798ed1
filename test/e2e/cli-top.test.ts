// `hostplane urls cluster/NAME` and `hostplane top vm|node` as processes against a running `up` on
// the sim host (the dev cluster of the example lab plus an add-on with a NodePort Service), and
// without `up`: one line on stderr, nothing on stdout, exit 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli, startUp, type CliResult, type UpProcess } from '../fixtures/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');

const GRAFANA_ADDON = `apiVersion: hostplane.dev/v1alpha1
kind: Addon
metadata:
  name: dev-grafana-port
spec:
  cluster: dev
  namespace: default
  manifests: [manifests/test/grafana-nodeport.yaml]
`;
const GRAFANA_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: grafana
  namespace: default
spec:
  type: NodePort
  selector: {app: grafana}
  ports:
    - {name: http, port: 80, targetPort: 3000, nodePort: 30300}
`;

describe('urls and top read the running up', { timeout: 240_000 }, () => {
  let root: string;
  let up: UpProcess | undefined;
  let cli: (...a: string[]) => Promise<CliResult>;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'hostplane-top-'));
    for (const d of ['specs/vms', 'specs/clusters', 'specs/addons', 'manifests/test']) mkdirSync(join(root, d), { recursive: true });
    copyFileSync(join(ROOT, 'specs/vms/dev.yaml'), join(root, 'specs/vms/dev.yaml'));
    copyFileSync(join(ROOT, 'specs/clusters/dev.yaml'), join(root, 'specs/clusters/dev.yaml'));
    writeFileSync(join(root, 'specs/addons/grafana.yaml'), GRAFANA_ADDON);
    writeFileSync(join(root, 'manifests/test/grafana-nodeport.yaml'), GRAFANA_SERVICE);
    const dirs = ['--specs', join(root, 'specs'), '--state', join(root, '.hostplane')];
    cli = (...a) => runCli([...dirs, ...a]);
  });

  afterAll(async () => {
    await up?.interrupt();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it.each([['top', 'vm'], ['top', 'node', 'dev'], ['urls', 'cluster/dev']])('hostplane %s %s without up: one line, exit 1', async (...args) => {
    const r = await cli(...args.filter(Boolean));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: hostplane up is not running on .*\.hostplane: these figures are collected live by it/);
  });

  it('with up: NodePort URLs, guest metrics per VM and per node, usage errors and not-found', async () => {
    up = startUp(['--specs', join(root, 'specs'), '--state', join(root, '.hostplane'), '--provider', 'sim', '--listen', '127.0.0.1:0', '--sim-scale', '0.05', '--quiet']);
    await up.waitForOutput(/api: +http:\/\/127\.0\.0\.1:\d+/, 60_000);
    // The cluster converges and its inventory is collected: then the URL is there (bounded wait on the CLI itself).
    let urls: CliResult | undefined;
    const deadline = Date.now() + 100_000;
    for (let i = 0; i < 200 && Date.now() < deadline; i++) {
      urls = await cli('urls', 'cluster/dev');
      if (urls.code === 0 && urls.stdout.includes('30300')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(urls?.stdout, `${urls?.stderr}\n${up.output()}`).toMatch(/^NAMESPACE\s+SERVICE\s+PORT\s+NODEPORT\s+URL\n/);
    expect(urls!.stdout).toMatch(/\ndefault\s+grafana\s+80\s+30300\s+http:\/\/[\d.]+:30300\n?$/);
    const only = await cli('urls', 'dev', '--url');
    expect(only).toMatchObject({ code: 0, stderr: '' });
    expect(only.stdout.trim()).toMatch(/^http:\/\/[\d.]+:30300$/);

    const vms = await cli('top', 'vm');
    expect(vms.code, vms.stderr).toBe(0);
    const lines = vms.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CPU%\s+MEMORY\s+MEMORY%\s+DISK\s+RX\s+TX$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['dev-master', 'dev-worker1']);
    // dev-master has 4Gi: the guest's memory total says so; percentages and rates are numbers.
    expect(lines[1]).toMatch(/^dev-master\s+\d+%\s+[\d.]+(Mi|Gi)\/4\.0Gi\s+\d+%\s+[\d.]+Gi\/\d+Gi\s+[\d.]+(B|KiB|MiB)\/s\s+[\d.]+(B|KiB|MiB)\/s$/);
    const one = await cli('top', 'vm', 'dev-worker1');
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toHaveLength(2);

    const nodes = await cli('top', 'node', 'cluster/dev');
    expect(nodes.code, nodes.stderr).toBe(0);
    const nl = nodes.stdout.trim().split('\n');
    expect(nl[0]).toMatch(/^NAME\s+STATUS\s+CPUS\s+CPU%\s+MEMORY\s+MEMORY%\s+DISK%\s+RX\s+TX$/);
    // Each node as its VM was sized (specs/vms/dev.yaml: 2 CPUs each, 4Gi and 8Gi).
    expect(nl.slice(1).map((l) => l.split(/\s+/).slice(0, 3).concat(l.split(/\s+/)[4]!).join(' ')).sort()).toEqual(['dev-master Ready 2 4.0Gi', 'dev-worker1 Ready 2 8.0Gi']);

    expect(await cli('top', 'node', 'nosuch')).toMatchObject({ code: 4, stdout: '' });
    expect(await cli('top', 'vm', 'nosuch')).toMatchObject({ code: 4, stdout: '' });
    const bad = await cli('top', 'pods');
    expect(bad).toMatchObject({ code: 2, stdout: '', stderr: 'error: top takes vm or node, got "pods"\n' });
    expect((await cli('top', 'node')).code).toBe(2);

    // After up stops, the same command says so instead of showing old numbers.
    expect(await up.interrupt()).toBe(0);
    up = undefined;
    const after = await cli('top', 'vm');
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/hostplane up is not running/);
  });
});
