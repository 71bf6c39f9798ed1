// CustomResourceDefinitions: the resource a CRD defines (served as soon as the CRD is stored) and
// validation of its objects with the CRD's openAPIV3Schema through ajv.
import { Ajv, type ValidateFunction } from 'ajv';
import { CelError, compileCel } from '../../../api/cel.js';
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

/** ajv with the CRD vocabulary kube-apiserver enforces: CEL rules (the project's CEL subset; a rule outside it is stored, not enforced) and int-or-string. */
function crdAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, useDefaults: true });
  ajv.addKeyword({
    keyword: 'x-kubernetes-validations',
    schemaType: 'array',
    errors: true,
    compile(rules: Obj[]) {
      const compiled = rules.flatMap((r) => {
        try {
          return [{ rule: r, cel: compileCel(String(r.rule)) }];
        } catch {
          return [];
        }
      });
      const fn = function celRules(data: unknown, cxt?: { instancePath?: string }): boolean {
        const errors: Obj[] = [];
        for (const { rule, cel } of compiled) {
          if (cel.transition) continue; // needs oldSelf: not checked
          let ok: unknown;
          try {
            ok = cel.evaluate(data);
          } catch (e) {
            if (e instanceof CelError) continue;
            throw e;
          }
          if (ok !== true) {
            const fieldPath = typeof rule.fieldPath === 'string' ? rule.fieldPath.replace(/\./g, '/') : '';
            errors.push({ keyword: 'x-kubernetes-validations', instancePath: `${cxt?.instancePath ?? ''}${fieldPath}`, message: typeof rule.message === 'string' ? rule.message : `failed rule: ${cel.source}`, params: { rule: cel.source } });
          }
        }
        (fn as unknown as { errors: Obj[] }).errors = errors;
        return errors.length === 0;
      };
      return fn;
    },
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    validate: (on: boolean, data: unknown) => !on || typeof data === 'string' || (typeof data === 'number' && Number.isInteger(data)),
  });
  return ajv;
}

export class CrdValidator {
  private ajv = crdAjv();
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
    const ok = fn(body);
    // ajv filled in the schema's defaults, as the API server does on every write.
    for (const [k, v] of Object.entries(body)) (obj as Obj)[k] = v;
    if (ok) return;
    const causes = (fn.errors ?? []).slice(0, 20).map((e) => {
      const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '<root>';
      const extra = e.keyword === 'required' ? `.${(e.params as { missingProperty: string }).missingProperty}` : '';
      const v = valueAtPath(body, e.instancePath);
      const shown = v !== null && typeof v === 'object' ? '"object"' : JSON.stringify(v);
      return { field: field === '<root>' && extra ? extra.slice(1) : field + extra, message: e.keyword === 'required' ? 'Required value' : `Invalid value: ${shown}: ${e.message}`, reason: e.keyword === 'required' ? 'FieldValueRequired' : 'FieldValueInvalid' };
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
