// CustomResourceDefinitions: the resource a CRD defines (served as soon as the CRD is stored) and
// validation of its objects with the CRD's openAPIV3Schema through ajv.
import { Ajv, type ValidateFunction } from 'ajv';
import type { KubeObject } from '../object-store.js';
import { invalid } from './errors.js';
import type { ResourceDef } from './registry.js';

type Obj = Record<string, any>;

export function servedVersion(crd: Obj): Obj | undefined {
  const versions: Obj[] = crd.spec?.versions ?? [];
  return versions.find((v) => v.served && v.storage) ?? versions.find((v) => v.served);
}

export function defFromCrd(crd: Obj): ResourceDef | undefined {
  const spec = crd.spec;
  const v = servedVersion(crd);
  if (!spec?.group || !spec?.names?.plural || !spec?.names?.kind || !v) return undefined;
  const subs: string[] = [];
  if (v.subresources?.status) subs.push('status');
  if (v.subresources?.scale) subs.push('scale');
  const sc = v.subresources?.scale;
  return {
    group: spec.group,
    version: v.name,
    resource: spec.names.plural,
    kind: spec.names.kind,
    listKind: spec.names.listKind ?? `${spec.names.kind}List`,
    singular: spec.names.singular ?? String(spec.names.kind).toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
    subresources: subs,
    crd: crd.metadata?.name,
    scale: sc ? { specReplicasPath: sc.specReplicasPath, statusReplicasPath: sc.statusReplicasPath, labelSelectorPath: sc.labelSelectorPath } : undefined,
  };
}

/** The status a real apiextensions-apiserver gives a CRD it accepted. */
export function crdStatus(crd: Obj, now: string): Obj {
  const names = crd.spec?.names ?? {};
  const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  return {
    conditions: [cond('NamesAccepted', 'NoConflicts', 'no conflicts found'), cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    acceptedNames: { plural: names.plural, singular: names.singular ?? String(names.kind ?? '').toLowerCase(), kind: names.kind, listKind: names.listKind ?? `${names.kind}List`, ...(names.shortNames ? { shortNames: names.shortNames } : {}), ...(names.categories ? { categories: names.categories } : {}) },
    storedVersions: (crd.spec?.versions ?? []).filter((v: Obj) => v.storage).map((v: Obj) => v.name),
  };
}

export class CrdValidator {
  private ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private cache = new Map<string, ValidateFunction | null>();

  validate(crd: Obj, obj: KubeObject): void {
    const v = servedVersion(crd);
    const schema = v?.schema?.openAPIV3Schema;
    if (!schema) return;
    const key = `${crd.metadata?.uid}/${crd.metadata?.generation}/${v.name}`;
    let fn = this.cache.get(key);
    if (fn === undefined) {
      try {
        fn = this.ajv.compile(stripMetadata(structuredClone(schema)));
      } catch {
        fn = null; // a schema ajv cannot compile is stored, not enforced
      }
      this.cache.set(key, fn);
    }
    if (!fn) return;
    const { metadata: _m, ...body } = obj;
    if (fn(body)) return;
    const causes = (fn.errors ?? []).slice(0, 20).map((e) => {
      const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '<root>';
      const extra = e.keyword === 'required' ? `.${(e.params as { missingProperty: string }).missingProperty}` : '';
      return { field: field === '<root>' && extra ? extra.slice(1) : field + extra, message: e.keyword === 'required' ? 'Required value' : `Invalid value: ${JSON.stringify(valueAtPath(body, e.instancePath))}: ${e.message}`, reason: e.keyword === 'required' ? 'FieldValueRequired' : 'FieldValueInvalid' };
    });
    throw invalid(obj.kind, crd.spec.group, obj.metadata.name ?? '', causes);
  }
}

function stripMetadata(schema: Obj): Obj {
  if (schema?.properties?.metadata) delete schema.properties.metadata;
  if (Array.isArray(schema?.required)) schema.required = schema.required.filter((r: string) => r !== 'metadata');
  return schema;
}

function valueAtPath(obj: unknown, ptr: string): unknown {
  let cur: any = obj;
  for (const seg of ptr.split('/').filter(Boolean)) cur = cur?.[seg];
  return cur;
}
