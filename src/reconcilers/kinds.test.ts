// Every kind module agrees with its CRD: the kind and short names, and the condition vocabulary
// (types in order, every reason documented). And references are read the same way for every kind.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultCrdDir, knownKinds } from '../api/schema.js';
import { parentsOf } from '../api/references.js';
import type { HostObject } from '../api/types.js';
import { KIND_MODULES } from './index.js';

const crdOf = (file: string) => parse(readFileSync(join(defaultCrdDir(), file), 'utf8'));

function conditionsDescription(crd: any): string {
  return crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.conditions.description as string;
}

describe('kind modules', () => {
  it('cover exactly the CRDs in crds/, in their listing order', () => {
    expect(KIND_MODULES.map((m) => m.kind)).toEqual([...knownKinds()]);
  });

  it.each(KIND_MODULES.map((m) => [m.kind, m] as const))('%s: kind and short names match its CRD', (_kind, m) => {
    const crd = crdOf(m.crdFile);
    expect(crd.spec.names.kind).toBe(m.kind);
    expect(crd.spec.names.shortNames ?? []).toEqual([...m.shortNames]);
  });

  it.each(KIND_MODULES.map((m) => [m.kind, m] as const))('%s: the CRD lists exactly its condition types and documents every reason', (_kind, m) => {
    const doc = conditionsDescription(crdOf(m.crdFile));
    const listed = [...doc.matchAll(/^- ([A-Za-z]+):/gm)].map((x) => x[1]);
    expect(listed).toEqual(Object.keys(m.conditions));
    const undocumented: string[] = [];
    for (const [type, reasons] of Object.entries(m.conditions)) {
      const line = doc.split('\n').find((l) => l.startsWith(`- ${type}:`)) ?? '';
      // A VM condition may also carry a step reason, documented once under "Step reasons".
      const steps = /^Step reasons: (.*)$/m.exec(doc)?.[1] ?? '';
      for (const r of reasons) if (!new RegExp(`\\b${r}\\b`).test(line) && !new RegExp(`\\b${r}\\b`).test(steps)) undocumented.push(`${type}: ${r}`);
    }
    expect(undocumented).toEqual([]);
  });
});

describe('references (one reader for the dependency index and the dashboard graph)', () => {
  const rules = (kind: string) => KIND_MODULES.find((m) => m.kind === kind)!.references;
  const obj = (kind: string, spec: Record<string, unknown>) => ({ kind, spec }) as unknown as HostObject;
  it.each([
    ['a cluster depends on its control-plane and worker VMs', obj('Cluster', { controlPlane: { vm: 'cp' }, workers: [{ vm: 'w1' }, { vm: 'w2' }, {}] }), ['VirtualMachine/cp', 'VirtualMachine/w1', 'VirtualMachine/w2']],
    ['an add-on depends on its cluster and the add-ons it lists', obj('Addon', { cluster: 'dev', dependsOn: ['cni', { name: 'dns' }] }), ['Cluster/dev', 'Addon/cni', 'Addon/dns']],
    ['a load test depends on its cluster and Addons (dependsOn names Addons)', obj('LoadTest', { cluster: 'dev', dependsOn: ['metrics-server'] }), ['Cluster/dev', 'Addon/metrics-server']],
    ['a VM depends on nothing', obj('VirtualMachine', { image: 'x' }), []],
    ['a repeated reference counts once', obj('Cluster', { controlPlane: { vm: 'a' }, workers: [{ vm: 'a' }] }), ['VirtualMachine/a']],
  ])('%s', (_name, o, want) => {
    expect(parentsOf(o, rules(o.kind))).toEqual(want);
  });
});
