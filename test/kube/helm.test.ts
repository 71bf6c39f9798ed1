// The real helm 3.17.3 and 4.1.4, as separate processes, against the simulated API server and
// control plane: a chart made here with a CRD in crds/ and a custom resource using it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helmBinaries } from '../../src/adapters/tools/test-binaries.js';
import { startSimEnv, type SimEnv } from './harness.js';

type Obj = Record<string, any>;
const R = {
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  crds: { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' },
  widgets: { group: 'example.com', version: 'v1', resource: 'widgets' },
};

function writeChart(dir: string): string {
  const c = join(dir, 'demo-chart');
  mkdirSync(join(c, 'templates'), { recursive: true });
  mkdirSync(join(c, 'crds'), { recursive: true });
  writeFileSync(join(c, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: "1.0"\n');
  writeFileSync(join(c, 'values.yaml'), 'replicas: 1\nimage: nginx:1.27\ncolor: blue\n');
  writeFileSync(
    join(c, 'crds', 'widgets.yaml'),
    `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [color]
              properties:
                color: {type: string, enum: [blue, green, red]}
                size: {type: integer, minimum: 1}
`,
  );
  writeFileSync(
    join(c, 'templates', 'all.yaml'),
    `apiVersion: v1
kind: ConfigMap
metadata: {name: "{{ .Release.Name }}-config"}
data: {color: {{ .Values.color | quote }}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: "{{ .Release.Name }}-web"}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: "{{ .Release.Name }}-web"}}
  template:
    metadata: {labels: {app: "{{ .Release.Name }}-web"}}
    spec:
      containers:
        - name: web
          image: {{ .Values.image }}
          ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: "{{ .Release.Name }}-web"}
spec:
  selector: {app: "{{ .Release.Name }}-web"}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: "{{ .Release.Name }}-widget"}
spec: {color: {{ .Values.color }}, size: 2}
`,
  );
  return c;
}

describe('helm against the simulated cluster', () => {
  let sim: SimEnv;
  let chart: string;
  let helms: { major: 3 | 4; path: string }[];

  beforeAll(async () => {
    helms = await helmBinaries();
    sim = await startSimEnv({ host: '127.0.0.8' });
    chart = writeChart(sim.dir);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  for (const major of [3, 4] as const) {
    describe(`helm ${major}`, () => {
      const ns = `h${major}`;
      const rel = `demo${major}`;
      const helm = (...args: string[]) => sim.run(helms.find((h) => h.major === major)!.path, args);
      const store = () => sim.cluster.store;
      const releaseSecrets = () => store().list(R.secrets, { namespace: ns, labelSelector: `owner=helm,name=${rel}` }).items;
      const web = () => store().get(R.deployments, ns, `${rel}-web`) as Obj | undefined;
      const widget = () => store().get(R.widgets, ns, `${rel}-widget`) as Obj | undefined;

      it('installs a chart with a CRD in crds/ and a custom resource using it', async () => {
        const r = await helm('install', rel, chart, '-n', ns, '--create-namespace');
        expect(r.stderr).toBe('');
        expect(r.stdout).toContain(`NAME: ${rel}`);
        expect(r.stdout).toContain('STATUS: deployed');
        expect(r.stdout).toContain('REVISION: 1');
        expect((store().get(R.crds, undefined, 'widgets.example.com') as Obj).status.conditions.find((c: Obj) => c.type === 'Established').status).toBe('True');
        expect(widget()!.spec).toEqual({ color: 'blue', size: 2 });
        expect(web()!.spec.replicas).toBe(1);
        expect(web()!.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
        const secrets = releaseSecrets();
        expect(secrets.map((s) => [s.metadata.name, s.type, s.metadata.labels!.status])).toEqual([[`sh.helm.release.v1.${rel}.v1`, 'helm.sh/release.v1', 'deployed']]);
        if (major === 3) expect(sim.requests.some((l) => l.startsWith(`POST /api/v1/namespaces/${ns}/secrets`) && l.includes(' 201 ') && l.includes('[application/vnd.kubernetes.protobuf]'))).toBe(true);
        if (major === 4) expect(sim.requests.some((l) => l.startsWith(`PATCH /apis/apps/v1/namespaces/${ns}/deployments/${rel}-web?fieldManager=helm`) && l.includes('[application/apply-patch+yaml]'))).toBe(true);
      });

      it('upgrades with changed values, keeps history and reports status as JSON', async () => {
        const r = await helm('upgrade', rel, chart, '-n', ns, '--set', 'replicas=3', '--set', 'color=green', '--wait', '--timeout', '20s');
        expect(r.stdout).toContain(`Release "${rel}" has been upgraded. Happy Helming!`);
        expect(web()!.spec.replicas).toBe(3);
        expect(web()!.status.readyReplicas).toBe(3); // --wait returned only once the pods were ready
        expect(widget()!.spec.color).toBe('green');
        expect(Object.fromEntries(releaseSecrets().map((s) => [s.metadata.labels!.version, s.metadata.labels!.status]))).toEqual({ '1': 'superseded', '2': 'deployed' });

        const h = await helm('history', rel, '-n', ns);
        const rows = h.stdout.trim().split('\n');
        expect(rows[0]).toMatch(/^REVISION\s+UPDATED\s+STATUS\s+CHART\s+APP VERSION\s+DESCRIPTION/);
        expect(rows[1]).toMatch(/^1\s.*superseded\s+demo-0\.1\.0\s+1\.0\s+Install complete/);
        expect(rows[2]).toMatch(/^2\s.*deployed\s+demo-0\.1\.0\s+1\.0\s+Upgrade complete/);

        const s = await helm('status', rel, '-n', ns, '-o', 'json');
        const status = JSON.parse(s.stdout);
        expect(status.version).toBe(2);
        expect(status.info.status).toBe('deployed');
        expect(status.config).toEqual({ color: 'green', replicas: 3 });
      });

      it('rolls back to revision 1', async () => {
        const r = await helm('rollback', rel, '1', '-n', ns);
        expect(r.stdout).toContain('Rollback was a success! Happy Helming!');
        expect(web()!.spec.replicas).toBe(1);
        expect(widget()!.spec.color).toBe('blue');
        const l = await helm('list', '-n', ns);
        expect(l.stdout).toMatch(new RegExp(`^${rel}\\s+${ns}\\s+3\\s+.*deployed\\s+demo-0\\.1\\.0\\s+1\\.0`, 'm'));
      });

      it('refuses a custom resource the CRD schema rejects, with the API server\'s message', async () => {
        const r = await helm('upgrade', rel, chart, '-n', ns, '--set', 'color=purple');
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`Widget.example.com "${rel}-widget" is invalid`);
        expect(r.stderr).toContain('spec.color');
        expect(widget()!.spec.color).toBe('blue');
      });

      it('upgrade --install --wait --timeout fails with helm\'s own message when pods never become ready', async () => {
        const r = await helm('upgrade', '--install', `${rel}-stuck`, chart, '-n', ns, '--set', 'image=example/never-ready:1', '--wait', '--timeout', '4s');
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(major === 3 ? /Error: context deadline exceeded/ : new RegExp(`Error: resource Deployment/${ns}/${rel}-stuck-web not ready\\. status: InProgress, message: Available: 0/1`));
        const s = store().list(R.secrets, { namespace: ns, labelSelector: `owner=helm,name=${rel}-stuck` }).items;
        expect(s.map((x) => x.metadata.labels!.status)).toEqual(['failed']);
      });

      it('uninstalls: chart objects and release records go, the CRD stays', async () => {
        const r = await helm('uninstall', rel, '-n', ns);
        expect(r.stdout).toContain(`release "${rel}" uninstalled`);
        expect(web()).toBeUndefined();
        expect(widget()).toBeUndefined();
        expect(releaseSecrets()).toEqual([]);
        expect(store().get(R.crds, undefined, 'widgets.example.com')).toBeDefined();
        const l = await helm('list', '-n', ns, '-q');
        expect(l.stdout.split('\n')).not.toContain(rel);
      });
    });
  }

  it('helm 3 with HELM_DRIVER=configmap keeps its release in a protobuf-encoded ConfigMap', async () => {
    const helm3 = helms.find((h) => h.major === 3)!.path;
    const r = await sim.run(helm3, ['install', 'cmrel', chart, '-n', 'cmdriver', '--create-namespace', '--set', 'color=red'], { env: { HELM_DRIVER: 'configmap' } });
    expect(r.stdout).toContain('STATUS: deployed');
    const cms = sim.cluster.store.list({ group: '', version: 'v1', resource: 'configmaps' }, { namespace: 'cmdriver', labelSelector: 'owner=helm' }).items;
    expect(cms.map((c) => c.metadata.name)).toEqual(['sh.helm.release.v1.cmrel.v1']);
    expect(String((cms[0].data as Record<string, string>).release)).toMatch(/^H4sI/);
    expect(sim.requests.some((l) => l.startsWith('POST /api/v1/namespaces/cmdriver/configmaps ') && l.includes('[application/vnd.kubernetes.protobuf]'))).toBe(true);
    const l = await sim.run(helm3, ['list', '-n', 'cmdriver', '-q'], { env: { HELM_DRIVER: 'configmap' } });
    expect(l.stdout.trim()).toBe('cmrel');
  });
});
