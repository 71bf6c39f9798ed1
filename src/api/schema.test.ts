import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCrdDir, evalJsonPath, formatPath, loadSchemaRegistry, type SchemaIssue } from './schema.js';
import type { Kind } from './types.js';

/** The kinds this package ships CRDs for, in their listing order. */
const KINDS: Kind[] = ['VirtualMachine', 'Cluster', 'Addon', 'LoadTest'];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const registry = loadSchemaRegistry();

const API = 'hostplane.dev/v1alpha1';
const vm = (spec: Record<string, unknown>, name = 'dev-master') => ({ apiVersion: API, kind: 'VirtualMachine', metadata: { name }, spec: { image: 'ghcr.io/cirruslabs/ubuntu:latest', ...spec } });

function issuesOf(doc: unknown): SchemaIssue[] {
  const r = registry.validate(doc);
  return r.ok ? [] : r.issues;
}
function defaulted(doc: unknown): Record<string, any> {
  const r = registry.validate(doc);
  if (!r.ok) throw new Error(`expected valid, got ${JSON.stringify(r.issues)}`);
  return r.object as unknown as Record<string, any>;
}

function walkSchema(node: any, path: string, visit: (node: any, path: string) => void): void {
  visit(node, path);
  for (const [k, v] of Object.entries(node.properties ?? {})) walkSchema(v, `${path}.${k}`, visit);
  if (node.items) walkSchema(node.items, `${path}[]`, visit);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') walkSchema(node.additionalProperties, `${path}{}`, visit);
}

describe('CRDs', () => {
  const crdFiles = readdirSync(join(ROOT, 'crds')).filter((f) => f.endsWith('.yaml'));

  it('holds one apiextensions.k8s.io/v1 CRD per kind, cluster-scoped, v1alpha1 served and stored, with status subresource', () => {
    const crds = crdFiles.flatMap((f) => parseAllDocuments(readFileSync(join(ROOT, 'crds', f), 'utf8')).map((d) => d.toJS()));
    expect(crds.map((c) => c.spec.names.kind).sort()).toEqual([...KINDS].sort());
    for (const c of crds) {
      expect(c.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(c.metadata.name).toBe(`${c.spec.names.plural}.hostplane.dev`);
      expect(c.spec.scope).toBe('Cluster');
      const [v] = c.spec.versions;
      expect(v).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
      const props = v.schema.openAPIV3Schema.properties;
      expect(props.spec.properties.suspend).toMatchObject({ type: 'boolean', default: false });
      expect(props.status.properties.observedGeneration.type).toBe('integer');
      expect(props.status.properties.phase.type).toBe('string');
      const cond = props.status.properties.conditions;
      expect(cond['x-kubernetes-list-type']).toBe('map');
      expect(cond['x-kubernetes-list-map-keys']).toEqual(['type']);
      expect(cond.items.required).toEqual(['type', 'status', 'reason', 'message', 'lastTransitionTime']);
      expect(cond.description).toMatch(/Reasons/);
    }
  });

  it('gives every field of every kind a description', () => {
    const missing: string[] = [];
    for (const k of KINDS) {
      walkSchema(registry.openApiSchema(k), k, (node, path) => {
        if (typeof node.description !== 'string' || node.description.trim().length < 3) missing.push(path);
      });
    }
    expect(missing).toEqual([]);
  });

  it('has printer columns with status jsonPaths and wide-only columns at priority 1', () => {
    const cols = (k: Kind) => registry.kinds().find((i) => i.kind === k)!.printerColumns;
    const names = (k: Kind, p: number) => cols(k).filter((c) => c.priority === p).map((c) => c.name);
    expect(names('VirtualMachine', 0)).toEqual(['Ready', 'Phase', 'IP', 'CPU', 'Memory', 'Age']);
    expect(names('Cluster', 0)).toEqual(['Ready', 'Nodes', 'Version', 'Endpoint', 'Age']);
    expect(names('Addon', 0)).toEqual(['Ready', 'Cluster', 'Chart', 'Version', 'Age']);
    expect(names('LoadTest', 0)).toEqual(['Type', 'Cluster', 'Succeeded', 'Last Run', 'Age']);
    expect(names('VirtualMachine', 1)).toContain('Provider');
    expect(cols('VirtualMachine')[0].jsonPath).toBe('.status.conditions[?(@.type=="Ready")].status');
  });

  it('is found from the module location (works from dist/ too)', () => {
    expect(defaultCrdDir()).toBe(join(ROOT, 'crds'));
  });
});

describe('loadSchemaRegistry refuses broken CRDs', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const copyCrds = () => {
    const d = mkdtempSync(join(tmpdir(), 'hp-crds-'));
    dirs.push(d);
    cpSync(join(ROOT, 'crds'), d, { recursive: true });
    return d;
  };
  const editAddon = (d: string, edit: (spec: any) => void) => {
    const crd = parse(readFileSync(join(d, 'addon.yaml'), 'utf8'));
    edit(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec);
    writeFileSync(join(d, 'addon.yaml'), stringify(crd));
  };
  it.each<[string, (d: string) => void, RegExp]>([
    ['a missing kind', (d) => rmSync(join(d, 'addon.yaml')), /no CRD for Addon/],
    ['an unknown schema keyword', (d) => editAddon(d, (s) => (s.properties.cluster['x-unknown'] = 1)), /x-unknown/],
    ['a CEL rule outside the supported subset', (d) => editAddon(d, (s) => (s['x-kubernetes-validations'][0].rule = 'self.helm.chart.matches("x")')), /not supported/],
    ['a map list whose key is optional', (d) => editAddon(d, (s) => (s.properties.dependsOn = { type: 'array', description: 'x', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', description: 'x', properties: { name: { type: 'string', description: 'x' } } } })), /map key name must be required or have a default/],
    ['a field without a type', (d) => editAddon(d, (s) => (s.properties.cluster = { description: 'no type' })), /spec\.cluster: missing type/],
  ])('with %s', (_name, edit, error) => {
    const d = copyCrds();
    edit(d);
    expect(() => loadSchemaRegistry(d)).toThrow(error);
  });
  it('loads an unmodified copy', () => {
    expect(loadSchemaRegistry(copyCrds()).kinds()).toHaveLength(4);
  });
});

describe('validate', () => {
  it('applies defaults to a copy, including nested objects defaulted from {}', () => {
    const doc = vm({});
    const out = defaulted(doc);
    expect(out.spec).toMatchObject({
      cpu: 2,
      memory: '4Gi',
      diskSize: '30Gi',
      powerState: 'Running',
      restartPolicy: 'Always',
      deletionPolicy: 'Delete',
      suspend: false,
      network: { mode: 'shared' },
      ssh: { user: 'admin', port: 22 },
    });
    expect(doc.spec).toEqual({ image: 'ghcr.io/cirruslabs/ubuntu:latest' }); // input untouched
  });

  it.each([
    ['defaults inside list items', vm({ provision: { users: [{ name: 'ops' }], files: [{ path: '/etc/x' }] } }), (o: any) => {
      expect(o.spec.provision.users[0]).toEqual({ name: 'ops', sudo: false, shell: '/bin/bash' });
      expect(o.spec.provision.files[0]).toMatchObject({ mode: '0644', content: '', owner: 'root:root' });
    }],
    ['cluster network and cilium defaults', { apiVersion: API, kind: 'Cluster', metadata: { name: 'dev' }, spec: { kubernetesVersion: '1.31', controlPlane: { vm: 'dev-master' } } }, (o: any) => {
      expect(o.spec.network).toEqual({ podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', dnsDomain: 'cluster.local' });
      expect(o.spec.cni).toEqual({ type: 'cilium', cilium: { version: '1.16.5', kubeProxyReplacement: true, ipamMode: 'cluster-pool', hubble: { enabled: true, relay: true, ui: true } } });
      expect(o.spec.controlPlaneEndpoint).toEqual({ port: 6443 });
    }],
    ['addon remediation defaults', { apiVersion: API, kind: 'Addon', metadata: { name: 'x' }, spec: { cluster: 'dev', helm: { chart: 'c' } } }, (o: any) => {
      expect(o.spec).toMatchObject({ namespace: 'default', createNamespace: true, timeout: '5m', wait: 'watcher' });
      expect(o.spec.upgrade).toMatchObject({ crds: 'Skip', remediation: { retries: 0, strategy: 'rollback' } });
      expect(o.spec.install).toMatchObject({ crds: 'Create', strategy: { name: 'RemediateOnFailure', retryInterval: '5m' } });
    }],
    ['null means absent, so the default applies', vm({ cpu: null, provision: null }), (o: any) => {
      expect(o.spec.cpu).toBe(2);
      expect('provision' in o.spec).toBe(false);
    }],
    ['free-form values keep nulls and unknown keys', { apiVersion: API, kind: 'Addon', metadata: { name: 'x' }, spec: { cluster: 'dev', helm: { chart: 'c' }, values: { a: null, deep: { any: [1, { b: 2 }] } } } }, (o: any) => {
      expect(o.spec.values).toEqual({ a: null, deep: { any: [1, { b: 2 }] } });
    }],
  ])('applies %s', (_name, doc, check) => check(defaulted(doc)));

  it.each<[string, unknown, string, RegExp | string]>([
    ['enum', vm({ powerState: 'Runing' }), 'spec.powerState', 'must be one of: Running, Stopped'],
    ['nested enum', vm({ network: { mode: 'nat' } }), 'spec.network.mode', 'must be one of: shared, softnet, bridged'],
    ['unknown field with a hint', vm({ cpus: 4 }), 'spec.cpus', 'unknown field (did you mean "cpu"?)'],
    ['unknown nested field', vm({ ssh: { usr: 'x' } }), 'spec.ssh.usr', /^unknown field/],
    ['unknown top-level field', { ...vm({}), spce: {} }, 'spce', /^unknown field/],
    ['missing required field', { apiVersion: API, kind: 'VirtualMachine', metadata: { name: 'a' }, spec: {} }, 'spec.image', 'required field is missing'],
    ['wrong type', vm({ cpu: '4' }), 'spec.cpu', 'must be an integer, not a string ("4")'],
    ['minimum', vm({ cpu: 0 }), 'spec.cpu', 'must be >= 1'],
    ['quantity pattern', vm({ memory: '4GB' }), 'spec.memory', /quantity such as 4Gi/],
    ['CIDR in a list, with its index', vm({ network: { mode: 'softnet', allow: ['0.0.0.0/0', '10.0.0.0/33'] } }), 'spec.network.allow[1]', /IPv4 CIDR/],
    ['duration pattern', { apiVersion: API, kind: 'LoadTest', metadata: { name: 'x' }, spec: { cluster: 'dev', type: 'cpu', cooldown: '60 seconds' } }, 'spec.cooldown', /duration/],
    ['set duplicate', vm({ provision: { packages: ['curl', 'conntrack', 'curl'] } }), 'spec.provision.packages[2]', /duplicate value "curl" \(also at index 0\)/],
    ['map-list duplicate key', vm({ provision: { users: [{ name: 'ops' }, { name: 'dev' }, { name: 'ops', sudo: true }] } }), 'spec.provision.users[2]', /duplicate entry with name="ops" \(also at index 0\)/],
    ['map-list duplicate key in status conditions', { ...vm({}), status: { conditions: [1, 2].map(() => ({ type: 'Ready', status: 'True', reason: 'Available', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' })) } }, 'status.conditions[1]', /duplicate entry with type="Ready"/],
    ['condition status enum', { ...vm({}), status: { conditions: [{ type: 'Ready', status: 'Yes', reason: 'Available', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } }, 'status.conditions[0].status', 'must be one of: True, False, Unknown'],
    ['date-time format', { ...vm({}), status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Available', message: '', lastTransitionTime: 'yesterday' }] } }, 'status.conditions[0].lastTransitionTime', /date-time/],
    ['CEL rule on an object', vm({ network: { mode: 'shared', allow: ['0.0.0.0/0'] } }), 'spec.network', 'allow is only used with mode softnet'],
    ['CEL exactly-one rule', { apiVersion: API, kind: 'Addon', metadata: { name: 'x' }, spec: { cluster: 'dev' } }, 'spec', 'exactly one of helm or manifests must be set'],
    ['CEL rule with size()', { apiVersion: API, kind: 'LoadTest', metadata: { name: 'x' }, spec: { cluster: 'dev', type: 'scaling', target: { url: 'http://a/', deployments: [] } } }, 'spec', 'target.deployments is required for scaling tests'],
    ['int-or-string refuses other types', { apiVersion: API, kind: 'LoadTest', metadata: { name: 'x' }, spec: { cluster: 'dev', type: 'memory', stressNg: { vmBytes: true } } }, 'spec.stressNg.vmBytes', /must be an integer or a string/],
    ['int-or-string refuses fractions', { apiVersion: API, kind: 'LoadTest', metadata: { name: 'x' }, spec: { cluster: 'dev', type: 'memory', stressNg: { vmBytes: 1.5 } } }, 'spec.stressNg.vmBytes', /must be an integer or a string/],
    ['quoted Kubernetes version', { apiVersion: API, kind: 'Cluster', metadata: { name: 'dev' }, spec: { kubernetesVersion: 1.31, controlPlane: { vm: 'm' } } }, 'spec.kubernetesVersion', /must be a string/],
    ['metadata name is a DNS label for VMs', vm({}, 'Dev_Master'), 'metadata.name', /DNS-1123 label/],
    ['metadata name required', { apiVersion: API, kind: 'Addon', metadata: {}, spec: { cluster: 'dev', helm: { chart: 'c' } } }, 'metadata.name', 'required field is missing'],
    ['metadata namespace refused', { ...vm({}), metadata: { name: 'a', namespace: 'default' } }, 'metadata.namespace', /cluster-scoped/],
    ['metadata unknown field', { ...vm({}), metadata: { name: 'a', lables: {} } }, 'metadata.lables', 'unknown field (did you mean "labels"?)'],
    ['label values must be strings', { ...vm({}), metadata: { name: 'a', labels: { tier: 1 } } }, 'metadata.labels.tier', /must be a string/],
    ['unknown apiVersion', { ...vm({}), apiVersion: 'v1' }, 'apiVersion', /unknown apiVersion "v1"/],
    ['unsupported version of our group', { ...vm({}), apiVersion: 'hostplane.dev/v1' }, 'apiVersion', /unsupported version/],
    ['unknown kind with an alias hint', { ...vm({}), kind: 'vm' }, 'kind', /unknown kind "vm" \(did you mean "VirtualMachine"\?\)/],
    ['unknown kind with a spelling hint', { ...vm({}), kind: 'Clustr' }, 'kind', /did you mean "Cluster"/],
  ])('reports %s', (_name, doc, field, message) => {
    const issues = issuesOf(doc);
    const hit = issues.find((i) => i.field === field);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    if (typeof message === 'string') expect(hit!.message).toBe(message);
    else expect(hit!.message).toMatch(message);
    expect(formatPath(hit!.path)).toBe(field);
  });

  it('reports every problem at once (allErrors)', () => {
    const issues = issuesOf(vm({ cpus: 1, powerState: 'x', memory: 'lots' }));
    expect(issues.map((i) => i.field).sort()).toEqual(['spec.cpus', 'spec.memory', 'spec.powerState']);
  });

  it('gives numeric path segments for list indexes', () => {
    const [i] = issuesOf(vm({ network: { mode: 'softnet', allow: ['nope'] } }));
    expect(i.path).toEqual(['spec', 'network', 'allow', 0]);
  });

  it.each([
    ['an integer', 67108864],
    ['a size string', '64M'],
    ['a percentage', '75%'],
  ])('accepts int-or-string vmBytes as %s', (_n, vmBytes) => {
    const o = defaulted({ apiVersion: API, kind: 'LoadTest', metadata: { name: 'x' }, spec: { cluster: 'dev', type: 'memory', stressNg: { vmBytes } } });
    expect(o.spec.stressNg.vmBytes).toBe(vmBytes);
  });

  it('refuses a document that is not a mapping', () => {
    expect(issuesOf('kind: VirtualMachine')).toEqual([{ path: [], field: '', message: expect.stringMatching(/must be a mapping/) }]);
  });
});

describe('resolveKind', () => {
  it.each([
    ['vm', 'VirtualMachine'], ['vms', 'VirtualMachine'], ['virtualmachine', 'VirtualMachine'], ['virtualmachines', 'VirtualMachine'],
    ['VirtualMachine', 'VirtualMachine'], ['virtualmachines.hostplane.dev', 'VirtualMachine'], ['VM', 'VirtualMachine'],
    ['cl', 'Cluster'], ['cls', 'Cluster'], ['cluster', 'Cluster'], ['clusters', 'Cluster'], ['Cluster', 'Cluster'], ['clusters.hostplane.dev', 'Cluster'],
    ['ad', 'Addon'], ['ads', 'Addon'], ['addon', 'Addon'], ['addons', 'Addon'], ['Addon', 'Addon'], ['addons.hostplane.dev', 'Addon'],
    ['lt', 'LoadTest'], ['lts', 'LoadTest'], ['loadtest', 'LoadTest'], ['loadtests', 'LoadTest'], ['LoadTest', 'LoadTest'], ['loadtests.hostplane.dev', 'LoadTest'],
  ])('%s → %s', (word, kind) => {
    expect(registry.resolveKind(word)?.kind).toBe(kind);
  });
  it.each(['pod', 'v', 'machines', 'virtualmachines.example.com', ''])('%j → undefined', (word) => {
    expect(registry.resolveKind(word)).toBeUndefined();
  });
  it('returns names and list kind', () => {
    expect(registry.resolveKind('lt')).toMatchObject({ plural: 'loadtests', singular: 'loadtest', shortNames: ['lt'], listKind: 'LoadTestList' });
  });
});

describe('explain', () => {
  it('explains a kind with its top-level fields', () => {
    const text = registry.explain('vm');
    expect(text).toContain('KIND:       VirtualMachine');
    expect(text).toContain('VERSION:    v1alpha1');
    expect(text).toMatch(/^ {2}spec\t<Object> -required-$/m);
    expect(text).toMatch(/^ {2}status\t<Object>$/m);
  });

  it('explains a nested field with type, default and enum', () => {
    const text = registry.explain('virtualmachine.spec.network.mode');
    expect(text).toContain('FIELD: mode <string>');
    expect(text).toContain('DEFAULT: "shared"');
    expect(text).toMatch(/ENUM:\n {4}shared\n {4}softnet\n {4}bridged/);
    expect(text).toMatch(/DESCRIPTION:\n {4}Network mode\./);
  });

  it('lists fields with -required-, defaults and enums', () => {
    const text = registry.explain('vm.spec');
    expect(text).toMatch(/^ {2}image\t<string> -required-$/m);
    expect(text).toMatch(/^ {2}cpu\t<integer>$/m);
    expect(text).toContain('default: 2');
    expect(text).toContain('enum: Running, Stopped');
    expect(text).toMatch(/^ {2}network\t<Object>$/m);
  });

  it('walks through list items and names list types', () => {
    const text = registry.explain('cl.spec.workers');
    expect(text).toContain('FIELD: workers <[]Object>');
    expect(text).toContain('list keyed by: vm');
    expect(text).toMatch(/^ {2}vm\t<string> -required-$/m);
    expect(registry.explain('cluster.spec.workers.labels')).toContain('FIELD: labels <map[string]string>');
  });

  it('prints the whole tree with recursive', () => {
    const text = registry.explain('ad.spec', { recursive: true });
    expect(text).toMatch(/^ {2}upgrade\t<Object>\n {4}crds\t<string>/m);
    expect(text).toMatch(/^ {6}strategy\t<string>$/m);
  });

  it.each([
    ['vm.spec.cpus', /field "cpus" does not exist in VirtualMachine\.spec \(did you mean "cpu"\?\)/],
    ['vm.spec.cpu.max', /VirtualMachine\.spec\.cpu is of type <integer> and has no fields/],
    ['ad.spec.values.x', /free-form/],
    ['pods.spec', /unknown kind/],
  ])('throws a helpful error for %s', (path, error) => {
    expect(() => registry.explain(path)).toThrow(error);
  });
});

describe('openApiSchema', () => {
  it('returns a copy of the raw schema', () => {
    const s = registry.openApiSchema('VirtualMachine') as any;
    expect(s.properties.spec.required).toEqual(['image']);
    expect(s.properties.spec.additionalProperties).toBeUndefined(); // raw, not the compiled copy
    s.properties.spec.required.push('x');
    expect((registry.openApiSchema('VirtualMachine') as any).properties.spec.required).toEqual(['image']);
  });
});

describe('evalJsonPath', () => {
  const obj = {
    metadata: { name: 'a', annotations: { 'hostplane.dev/x': 'y' } },
    spec: { cpu: 2, list: [{ n: 1 }, { n: 2 }] },
    status: {
      conditions: [
        { type: 'Created', status: 'True' },
        { type: 'Ready', status: 'False', observedGeneration: 3 },
      ],
    },
  };
  it.each<[string, unknown]>([
    ['.spec.cpu', 2],
    ['.metadata.name', 'a'],
    ['{.metadata.name}', 'a'],
    ['.spec.list[1].n', 2],
    ['.spec.list[-1].n', 2],
    ['.spec.list[*].n', [1, 2]],
    ['.status.conditions[?(@.type=="Ready")].status', 'False'],
    [".status.conditions[?(@.type=='Created')].status", 'True'],
    ['.status.conditions[?(@.observedGeneration==3)].type', 'Ready'],
    ['.status.conditions[?(@.type!="Ready")].type', 'Created'],
    ['.status.conditions[?(@.type=="Missing")].status', undefined],
    [".metadata.annotations['hostplane.dev/x']", 'y'],
    ['.status.ip', undefined],
    ['.spec.cpu.deeper', undefined],
  ])('%s', (path, want) => {
    expect(evalJsonPath(obj, path)).toEqual(want);
  });
  it('evaluates every printer column of every kind without throwing', () => {
    for (const k of registry.kinds()) for (const c of k.printerColumns) expect(() => evalJsonPath({}, c.jsonPath)).not.toThrow();
  });
  it('rejects unsupported syntax', () => {
    expect(() => evalJsonPath(obj, '.a[?(@.x > 1)]')).toThrow(/invalid JSONPath/);
  });
});

describe('the example lab in specs/', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(f)) files.push(p);
    }
  };
  walk(join(ROOT, 'specs'));
  const docs = files.flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8')).map((d, i) => ({ where: `${relative(ROOT, f)}#${i}`, errors: d.errors, value: d.toJS() as any })),
  );

  it.each(docs.map((d) => [d.where, d] as const))('%s validates', (_where, d) => {
    expect(d.errors).toEqual([]);
    const r = registry.validate(d.value);
    expect(r.ok ? [] : r.issues).toEqual([]);
  });

  const byKind = (k: Kind) => docs.map((d) => d.value).filter((v) => v.kind === k);

  it('is the seed topology: 10 VMs, 4 clusters, 13 load-test presets', () => {
    expect(byKind('VirtualMachine')).toHaveLength(10);
    expect(byKind('Cluster').map((c) => c.metadata.name).sort()).toEqual(['dev', 'platform', 'prod', 'staging']);
    expect(byKind('LoadTest')).toHaveLength(13);
    const names = docs.map((d) => `${d.value.kind}/${d.value.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('references only objects that exist, and files that exist', () => {
    const vms = new Set(byKind('VirtualMachine').map((v) => v.metadata.name));
    const clusters = new Set(byKind('Cluster').map((v) => v.metadata.name));
    const addons = new Map(byKind('Addon').map((a) => [a.metadata.name, a]));
    for (const c of byKind('Cluster')) {
      for (const ref of [c.spec.controlPlane.vm, ...(c.spec.workers ?? []).map((w: any) => w.vm)]) expect(vms, `${c.metadata.name} → ${ref}`).toContain(ref);
    }
    for (const x of [...byKind('Addon'), ...byKind('LoadTest')]) {
      expect(clusters).toContain(x.spec.cluster);
      for (const dep of x.spec.dependsOn ?? []) {
        expect(addons.has(dep), `${x.metadata.name} → ${dep}`).toBe(true);
        expect(addons.get(dep).spec.cluster).toBe(x.spec.cluster);
      }
      for (const p of [...(x.spec.valuesFiles ?? []), ...(x.spec.manifests ?? [])].filter((p: string) => !p.startsWith('https://'))) {
        expect(() => statSync(join(ROOT, p)), p).not.toThrow();
      }
    }
  });

  it('keeps every VM on softnet with VM-to-VM traffic allowed and no provider pinned', () => {
    for (const v of byKind('VirtualMachine')) {
      expect(v.spec.provider).toBeUndefined();
      expect(v.spec.network).toEqual({ mode: 'softnet', allow: ['0.0.0.0/0'] });
    }
  });
});

describe('knownKinds', () => {
  it('lists the CRDs of our group in their hostplane.dev/order', async () => {
    const { knownKinds } = await import('./schema.js');
    expect(knownKinds()).toEqual(KINDS);
    expect(loadSchemaRegistry().kinds().map((k) => k.kind)).toEqual(KINDS);
  });
});
