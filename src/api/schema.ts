// Loads the CRDs in crds/ and turns their openAPIV3Schema into the one validator, defaulter and
// field documentation of hostplane (DESIGN §2).
//
// Kubernetes semantics we reproduce on purpose:
// - Structural pruning: an object schema without x-kubernetes-preserve-unknown-fields drops unknown
//   fields on the API server. We report them as errors instead ("unknown field"), so typos surface.
// - null for a non-nullable field means "absent" (as the API server prunes it), so defaults apply.
// - Defaults apply to a field only when its parent object exists (a parent's `default: {}` makes it).
// - x-kubernetes-list-type set/map uniqueness, x-kubernetes-int-or-string, embedded resources and
//   x-kubernetes-validations (a CEL subset, see cel.ts) are ajv keywords, not stripped annotations.
// metadata is validated here in code: CRDs may not constrain it beyond name.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import addFormatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, GROUP, VERSION, type HostObject, type Kind } from './types.js';
import { CelError, compileCel } from './cel.js';
import { evalJsonPath } from './jsonpath.js';

export { evalJsonPath };

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority: number;
}

export interface KindInfo {
  kind: Kind;
  plural: string;
  singular: string;
  shortNames: string[];
  listKind: string;
  printerColumns: PrinterColumn[];
  description: string;
}

export interface SchemaIssue {
  path: (string | number)[];
  /** e.g. "spec.network.allow[0]"; empty for the whole document. */
  field: string;
  /** For a person, e.g. 'must be one of: Running, Stopped'. */
  message: string;
}

export type ValidationResult = { ok: true; object: HostObject } | { ok: false; issues: SchemaIssue[] };

export interface SchemaRegistry {
  kinds(): KindInfo[];
  /** 'vm', 'vms', 'virtualmachine', 'virtualmachines', 'VirtualMachine', 'virtualmachines.hostplane.dev' → KindInfo */
  resolveKind(word: string): KindInfo | undefined;
  /**
   * Validates a whole document (apiVersion, kind, metadata.name required; the name must be a DNS-1123
   * label for VirtualMachine and Cluster, a DNS-1123 subdomain otherwise), applies defaults to a deep
   * copy and returns the defaulted object. Unknown apiVersion/kind give issues with field
   * 'apiVersion' / 'kind'.
   */
  validate(doc: unknown): ValidationResult;
  /** kubectl-explain-like text for 'vm', 'vm.spec', 'virtualmachine.spec.network.mode' …; throws a helpful Error for unknown paths. */
  explain(path: string, opts?: { recursive?: boolean }): string;
  /** The raw openAPIV3Schema of a kind (for the dashboard and editors); a copy. */
  openApiSchema(kind: Kind): object;
}

type Json = Record<string, unknown>;
type SchemaNode = Json & {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  nullable?: boolean;
};

interface KindEntry {
  info: KindInfo;
  raw: SchemaNode;
  validate: ValidateFunction;
  nameRule: 'label' | 'subdomain';
}

const LIST_TYPE = 'x-kubernetes-list-type';
const LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';
const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const INT_OR_STRING = 'x-kubernetes-int-or-string';
const EMBEDDED = 'x-kubernetes-embedded-resource';
const VALIDATIONS = 'x-kubernetes-validations';
const MAP_TYPE = 'x-kubernetes-map-type';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Friendlier messages for the patterns our CRDs use (keyed by the exact pattern text). */
const PATTERN_HINTS: Record<string, string> = {
  '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$': 'must be a quantity such as 4Gi, 512Mi or 30G',
  '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$': 'must be a duration such as 500ms, 30s, 5m or 1h30m',
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$':
    'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit',
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$':
    'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
  '^[0-9]+(\\.[0-9]+)?%$': 'must be a percentage such as 1% or 0.5%',
  // LoadTest thresholds: a latency limit of 0 can never pass, a rate above 100 % can never fail.
  '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))*(0*[1-9][0-9]*(\\.[0-9]+)?|[0-9]+\\.[0-9]*[1-9][0-9]*)(ms|s|m|h)([0-9]+(\\.[0-9]+)?(ms|s|m|h))*$': 'must be a duration of more than 0, such as 500ms or 1s',
  '^(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)%$': 'must be a percentage from 0% to 100%, such as 1% or 0.5%',
  '^v?1\\.[0-9]+(\\.[0-9]+)?$': 'must be a Kubernetes version such as "1.31" or "1.31.4" (quote it in YAML)',
  '^0?[0-7]{3,4}$': 'must be an octal mode such as "0644" (quote it in YAML)',
  '^/': 'must be an absolute path',
  '^(https?|oci)://.+': 'must be an https://, http:// or oci:// URL',
  '^https?://.+': 'must be an http:// or https:// URL',
};
const CIDR_PATTERN_START = '^((25[0-5]';

// ---------------------------------------------------------------------------------------------
// Locating and reading the CRDs

/** Walks up from this module (src/api or dist/src/api) to the folder that holds crds/. */
export function defaultCrdDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'crds');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no crds/ folder found above ${dirname(fileURLToPath(import.meta.url))}`);
    dir = parent;
  }
}

interface CrdDoc {
  file: string;
  crd: Json;
}

function readCrds(dir: string): CrdDoc[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const out: CrdDoc[] = [];
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`${join(dir, f)}: ${doc.errors[0].message}`);
      const v = doc.toJS() as unknown;
      if (v === null || v === undefined) continue;
      const crd = v as Json;
      if (crd.kind !== 'CustomResourceDefinition') continue;
      out.push({ file: join(dir, f), crd });
    }
  }
  return out;
}

/** A CRD's place in listings and its name rule, from its annotations (the kind owns both). */
function crdOrder(crd: Json): number {
  const v = Number(((crd.metadata as Json | undefined)?.annotations as Json | undefined)?.['hostplane.dev/order']);
  return Number.isFinite(v) ? v : Number.MAX_SAFE_INTEGER;
}

function crdNameRule(crd: Json): 'label' | 'subdomain' {
  return ((crd.metadata as Json | undefined)?.annotations as Json | undefined)?.['hostplane.dev/name-rule'] === 'dns-label' ? 'label' : 'subdomain';
}

const knownKindsCache = new Map<string, readonly Kind[]>();

/**
 * The kinds hostplane serves: one per CRD of our group in `crdDir`, in their `hostplane.dev/order`.
 * Cheap (no schema compile) and cached, for code that only needs the names.
 */
export function knownKinds(crdDir?: string): readonly Kind[] {
  const dir = resolve(crdDir ?? defaultCrdDir());
  let kinds = knownKindsCache.get(dir);
  if (!kinds) {
    const ours = readCrds(dir).filter(({ crd }) => (crd.spec as Json | undefined)?.group === GROUP);
    ours.sort((a, b) => crdOrder(a.crd) - crdOrder(b.crd));
    kinds = ours.map(({ crd }) => String(((crd.spec as Json).names as Json | undefined)?.kind));
    knownKindsCache.set(dir, kinds);
  }
  return kinds;
}

// ---------------------------------------------------------------------------------------------
// Schema checks at load time (what the API server would refuse) and the compile-time transform

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkStructural(node: SchemaNode, where: string, errs: string[]): void {
  if (!isObj(node)) return void errs.push(`${where}: not a schema object`);
  if (node.properties && node.additionalProperties !== undefined && node.additionalProperties !== false) {
    errs.push(`${where}: properties and additionalProperties are mutually exclusive`);
  }
  if (node.type === undefined && !node[INT_OR_STRING] && !node[PRESERVE]) errs.push(`${where}: missing type`);
  const lt = node[LIST_TYPE];
  if (lt !== undefined) {
    if (node.type !== 'array') errs.push(`${where}: ${LIST_TYPE} on a non-array`);
    const items = node.items;
    if (lt === 'map') {
      const keys = node[LIST_MAP_KEYS];
      if (!Array.isArray(keys) || keys.length === 0) errs.push(`${where}: ${LIST_TYPE}=map needs ${LIST_MAP_KEYS}`);
      else if (!items || items.type !== 'object') errs.push(`${where}: ${LIST_TYPE}=map needs object items`);
      else {
        for (const k of keys as string[]) {
          const p = items.properties?.[k];
          if (!p) errs.push(`${where}: map key ${k} is not a property of the items`);
          else if (!(items.required ?? []).includes(k) && p.default === undefined) {
            errs.push(`${where}: map key ${k} must be required or have a default`);
          }
        }
      }
    } else if (lt === 'set' && items && (items.type === 'object' || items.type === 'array')) {
      errs.push(`${where}: ${LIST_TYPE}=set needs scalar items`);
    }
  } else if (node[LIST_MAP_KEYS] !== undefined) errs.push(`${where}: ${LIST_MAP_KEYS} without ${LIST_TYPE}=map`);
  const rules = node[VALIDATIONS];
  if (rules !== undefined) {
    if (!Array.isArray(rules)) errs.push(`${where}: ${VALIDATIONS} must be a list`);
    else
      for (const r of rules as Json[]) {
        try {
          compileCel(String(r.rule));
        } catch (e) {
          errs.push(`${where}: rule ${JSON.stringify(r.rule)}: ${(e as Error).message}`);
        }
      }
  }
  for (const [k, p] of Object.entries(node.properties ?? {})) checkStructural(p, `${where}.${k}`, errs);
  if (node.items) checkStructural(node.items, `${where}[]`, errs);
  if (isObj(node.additionalProperties)) checkStructural(node.additionalProperties as SchemaNode, `${where}{}`, errs);
}

/** Copy of the schema as ajv compiles it: pruning becomes additionalProperties: false. */
function forCompile(node: SchemaNode, isRoot: boolean): SchemaNode {
  const out: SchemaNode = { ...node };
  if (node.properties) {
    out.properties = {};
    for (const [k, p] of Object.entries(node.properties)) {
      // metadata is checked in code (Kubernetes only lets a CRD constrain metadata.name).
      out.properties[k] = isRoot && k === 'metadata' ? { ...p } : forCompile(p, false);
    }
  }
  if (node.items) out.items = forCompile(node.items, false);
  if (isObj(node.additionalProperties)) out.additionalProperties = forCompile(node.additionalProperties as SchemaNode, false);
  if (node.type === 'object' && !node[PRESERVE] && node.additionalProperties === undefined) {
    if (node[EMBEDDED]) {
      out.properties = {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        ...(out.properties ?? {}),
      };
    }
    out.additionalProperties = false;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ajv with the Kubernetes vocabulary

type FormatsPlugin = (ajv: Ajv, opts?: unknown) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsModule as unknown as FormatsPlugin)) as FormatsPlugin;

type KeywordError = Partial<ErrorObject> & { keyword: string; message: string; params: Json };

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function newAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    // Unknown keywords and formats are errors; the Kubernetes ones are registered below.
    strict: true,
    // Kubernetes schemas put `pattern` next to x-kubernetes-int-or-string without a `type`.
    strictTypes: false,
    strictRequired: true,
  });
  addFormats(ajv);
  // OpenAPI/Kubernetes formats beyond JSON Schema's.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('double', { type: 'number', validate: () => true });

  // Compile-time effect only (see forCompile): allows fields the schema does not list.
  ajv.addKeyword({ keyword: PRESERVE, schemaType: 'boolean' });
  // Map granularity is an apply/merge concern; nothing to validate.
  ajv.addKeyword({ keyword: MAP_TYPE, schemaType: 'string', metaSchema: { enum: ['granular', 'atomic'] } });
  // Read together with x-kubernetes-list-type=map.
  ajv.addKeyword({ keyword: LIST_MAP_KEYS, schemaType: 'array', metaSchema: { type: 'array', items: { type: 'string' }, minItems: 1 } });

  ajv.addKeyword({
    keyword: INT_OR_STRING,
    schemaType: 'boolean',
    errors: true,
    validate: function intOrString(enabled: boolean, data: unknown): boolean {
      if (!enabled || typeof data === 'string' || (typeof data === 'number' && Number.isInteger(data))) return true;
      (intOrString as unknown as { errors: KeywordError[] }).errors = [
        { keyword: INT_OR_STRING, message: `must be an integer or a string, not ${describe(data)}`, params: {} },
      ];
      return false;
    },
  });

  ajv.addKeyword({
    keyword: EMBEDDED,
    schemaType: 'boolean',
    errors: true,
    validate: function embedded(enabled: boolean, data: unknown): boolean {
      if (!enabled || !isObj(data)) return true;
      const errors: KeywordError[] = [];
      for (const k of ['apiVersion', 'kind']) {
        if (typeof data[k] !== 'string' || data[k] === '') {
          errors.push({ keyword: EMBEDDED, message: 'embedded object needs apiVersion and kind', params: { missingProperty: k } });
        }
      }
      (embedded as unknown as { errors: KeywordError[] }).errors = errors;
      return errors.length === 0;
    },
  });

  ajv.addKeyword({
    keyword: LIST_TYPE,
    schemaType: 'string',
    post: true, // after items got their defaults (map keys may be defaulted)
    metaSchema: { enum: ['atomic', 'set', 'map'] },
    errors: true,
    validate: function listType(kind: string, data: unknown, parent?: AnySchemaObject, cxt?: DataValidationCxt): boolean {
      if (!Array.isArray(data) || kind === 'atomic') return true;
      const errors: KeywordError[] = [];
      const base = cxt?.instancePath ?? '';
      if (kind === 'set') {
        data.forEach((v, i) => {
          const first = data.findIndex((w) => sameValue(v, w));
          if (first < i) {
            errors.push({ keyword: LIST_TYPE, instancePath: `${base}/${i}`, message: `duplicate value ${JSON.stringify(v)} (also at index ${first}); this list is a set`, params: { duplicateOf: first } });
          }
        });
      } else {
        const keys = ((parent?.[LIST_MAP_KEYS] as string[] | undefined) ?? []).slice();
        const seen = new Map<string, number>();
        data.forEach((item, i) => {
          if (!isObj(item)) return;
          const id = JSON.stringify(keys.map((k) => item[k]));
          const first = seen.get(id);
          if (first === undefined) seen.set(id, i);
          else {
            const what = keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(', ');
            errors.push({ keyword: LIST_TYPE, instancePath: `${base}/${i}`, message: `duplicate entry with ${what} (also at index ${first}); entries are keyed by ${keys.join(', ')}`, params: { duplicateOf: first } });
          }
        });
      }
      (listType as unknown as { errors: KeywordError[] }).errors = errors;
      return errors.length === 0;
    },
  });

  ajv.addKeyword({
    keyword: VALIDATIONS,
    schemaType: 'array',
    post: true, // rules see the defaulted object, as on the API server
    metaSchema: {
      type: 'array',
      items: {
        type: 'object',
        required: ['rule'],
        properties: {
          rule: { type: 'string' },
          message: { type: 'string' },
          messageExpression: { type: 'string' },
          reason: { type: 'string' },
          fieldPath: { type: 'string' },
          optionalOldSelf: { type: 'boolean' },
        },
        additionalProperties: false,
      },
    },
    errors: true,
    compile(rules: Json[]) {
      const compiled = rules.map((r) => ({ rule: r, cel: compileCel(String(r.rule)) }));
      const fn = function celRules(data: unknown, cxt?: DataValidationCxt): boolean {
        const errors: KeywordError[] = [];
        for (const { rule, cel } of compiled) {
          if (cel.transition) continue; // needs the previous object; skipped like on create
          let ok: unknown;
          try {
            ok = cel.evaluate(data);
          } catch (e) {
            const why = e instanceof CelError ? e.message : String(e);
            errors.push({ keyword: VALIDATIONS, message: `rule ${JSON.stringify(cel.source)} could not be evaluated: ${why}`, params: { rule: cel.source } });
            continue;
          }
          if (ok !== true) {
            const fieldPath = typeof rule.fieldPath === 'string' ? rule.fieldPath.replace(/\./g, '/') : '';
            errors.push({
              keyword: VALIDATIONS,
              instancePath: `${cxt?.instancePath ?? ''}${fieldPath}`,
              message: typeof rule.message === 'string' ? rule.message : `failed rule: ${cel.source}`,
              params: { rule: cel.source },
            });
          }
        }
        (fn as unknown as { errors: KeywordError[] }).errors = errors;
        return errors.length === 0;
      };
      return fn;
    },
  });
  return ajv;
}

// ---------------------------------------------------------------------------------------------
// Turning ajv errors into issues a person can act on

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  if (typeof v === 'number') return Number.isInteger(v) ? `an integer (${v})` : `a number (${v})`;
  return `a ${typeof v} (${String(v)})`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  object: 'an object (a mapping)',
  array: 'a list',
};

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = levenshtein(word, c);
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function pointerToPath(pointer: string, root: unknown): (string | number)[] {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^[0-9]+$/.test(seg)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = isObj(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

/** ['spec', 'network', 'allow', 0] → 'spec.network.allow[0]' */
export function formatPath(path: (string | number)[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) s += s ? `.${p}` : p;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s;
}

function issue(path: (string | number)[], message: string): SchemaIssue {
  return { path, field: formatPath(path), message };
}

function toIssue(e: ErrorObject, data: unknown): SchemaIssue | undefined {
  const path = pointerToPath(e.instancePath, data);
  const params = e.params as Json;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema as SchemaNode | undefined)?.properties ?? {});
      const hint = suggest(name, known);
      return issue([...path, name], `unknown field${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    case 'required':
      return issue([...path, String(params.missingProperty)], 'required field is missing');
    case 'enum':
      return issue(path, `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`);
    case 'type': {
      const want = String(params.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ');
      return issue(path, `must be ${want}, not ${describe(e.data)}`);
    }
    case 'pattern': {
      const p = String(params.pattern);
      const hint = PATTERN_HINTS[p] ?? (p.startsWith(CIDR_PATTERN_START) ? 'must be an IPv4 CIDR such as 10.20.0.0/16' : `must match the pattern ${p}`);
      return issue(path, `${hint} (got ${JSON.stringify(e.data)})`);
    }
    case 'format':
      return issue(path, `must be a valid ${String(params.format)} (got ${JSON.stringify(e.data)})`);
    case 'if':
      return undefined;
    default:
      return issue(path, e.message ?? `failed ${e.keyword}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Data preparation

/** Drops null values of non-nullable fields (the API server prunes them), outside free-form parts. */
function dropNulls(data: unknown, schema: SchemaNode | undefined): void {
  if (!schema || schema[PRESERVE]) return;
  if (Array.isArray(data)) {
    if (schema.items) for (const v of data) dropNulls(v, schema.items);
    return;
  }
  if (!isObj(data)) return;
  for (const [k, v] of Object.entries(data)) {
    const sub = schema.properties?.[k] ?? (isObj(schema.additionalProperties) ? (schema.additionalProperties as SchemaNode) : undefined);
    if (v === null && sub && !sub.nullable) delete data[k];
    else dropNulls(v, sub);
  }
}

const METADATA_FIELDS = new Set(['name', 'labels', 'annotations', 'uid', 'creationTimestamp', 'generation', 'resourceVersion', 'deletionTimestamp', 'finalizers']);

function checkQualifiedKey(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'may contain at most one "/"';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return 'has a prefix that is not a DNS-1123 subdomain';
  if (!name || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return 'must be 63 characters or less, made of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

function checkMetadata(meta: unknown, nameRule: 'label' | 'subdomain'): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  if (meta === undefined || meta === null) return [issue(['metadata'], 'required field is missing')];
  if (!isObj(meta)) return [issue(['metadata'], `must be an object (a mapping), not ${describe(meta)}`)];
  for (const k of Object.keys(meta)) {
    if (k === 'namespace') issues.push(issue(['metadata', k], 'hostplane objects are cluster-scoped; remove metadata.namespace'));
    else if (!METADATA_FIELDS.has(k)) {
      const hint = suggest(k, METADATA_FIELDS);
      issues.push(issue(['metadata', k], `unknown field${hint ? ` (did you mean "${hint}"?)` : ''}`));
    }
  }
  const name = meta.name;
  if (name === undefined || name === null || name === '') issues.push(issue(['metadata', 'name'], 'required field is missing'));
  else if (typeof name !== 'string') issues.push(issue(['metadata', 'name'], `must be a string, not ${describe(name)}`));
  else if (nameRule === 'label' && (name.length > 63 || !DNS_LABEL.test(name))) {
    issues.push(issue(['metadata', 'name'], `must be a DNS-1123 label (at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit), got ${JSON.stringify(name)}`));
  } else if (nameRule === 'subdomain' && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    issues.push(issue(['metadata', 'name'], `must be a DNS-1123 subdomain (at most 253 lower-case letters, digits, "-" and ".", starting and ending with a letter or digit), got ${JSON.stringify(name)}`));
  }
  for (const field of ['labels', 'annotations'] as const) {
    const m = meta[field];
    if (m === undefined || m === null) continue;
    if (!isObj(m)) {
      issues.push(issue(['metadata', field], `must be a mapping of strings, not ${describe(m)}`));
      continue;
    }
    for (const [k, v] of Object.entries(m)) {
      const bad = checkQualifiedKey(k);
      if (bad) issues.push(issue(['metadata', field, k], `key ${bad}`));
      if (typeof v !== 'string') issues.push(issue(['metadata', field, k], `must be a string, not ${describe(v)} (quote it in YAML)`));
      else if (field === 'labels' && (v.length > 63 || !LABEL_VALUE.test(v))) {
        issues.push(issue(['metadata', field, k], 'label value must be 63 characters or less, letters, digits, "-", "_" and ".", starting and ending with a letter or digit'));
      }
    }
  }
  if (meta.finalizers !== undefined && !(Array.isArray(meta.finalizers) && meta.finalizers.every((f) => typeof f === 'string'))) {
    issues.push(issue(['metadata', 'finalizers'], 'must be a list of strings'));
  }
  return issues;
}

function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.field}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// explain

function typeName(s: SchemaNode): string {
  if (s[INT_OR_STRING]) return 'IntOrString';
  if (s.type === 'array') return `[]${s.items ? typeName(s.items) : 'Object'}`;
  if (s.type === 'object') {
    if (isObj(s.additionalProperties)) return `map[string]${typeName(s.additionalProperties as SchemaNode)}`;
    return 'Object';
  }
  return s.type ?? 'Object';
}

function wrap(text: string, indent: string, width = 80): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(indent + line);
  }
  return out;
}

function fieldFacts(s: SchemaNode): string[] {
  const facts: string[] = [];
  if (s.default !== undefined) facts.push(`default: ${JSON.stringify(s.default)}`);
  if (s.enum) facts.push(`enum: ${s.enum.map(String).join(', ')}`);
  if (s[LIST_TYPE] === 'map') facts.push(`list keyed by: ${(s[LIST_MAP_KEYS] as string[]).join(', ')}`);
  if (s[LIST_TYPE] === 'set') facts.push('list of unique values');
  if (s[PRESERVE]) facts.push('free-form: any fields allowed');
  return facts;
}

/** The schema whose fields are listed under a node: arrays and maps show their element's fields. */
function fieldsOf(s: SchemaNode): SchemaNode | undefined {
  if (s.type === 'array' && s.items) return fieldsOf(s.items);
  if (s.properties) return s;
  if (isObj(s.additionalProperties)) return fieldsOf(s.additionalProperties as SchemaNode);
  return undefined;
}

function listFields(s: SchemaNode, recursive: boolean, depth: number, lines: string[]): void {
  const holder = fieldsOf(s);
  if (!holder?.properties) return;
  const required = new Set(holder.required ?? []);
  const pad = '  '.repeat(depth + 1);
  for (const [name, sub] of Object.entries(holder.properties)) {
    lines.push(`${pad}${name}\t<${typeName(sub)}>${required.has(name) ? ' -required-' : ''}`);
    if (recursive) listFields(sub, true, depth + 1, lines);
    else {
      lines.push(...wrap(sub.description ?? '<no description>', `${pad}  `));
      for (const f of fieldFacts(sub)) lines.push(`${pad}  ${f}`);
      lines.push('');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The registry

export function loadSchemaRegistry(crdDir?: string): SchemaRegistry {
  const dir = resolve(crdDir ?? defaultCrdDir());
  const entries = new Map<Kind, KindEntry>();
  const aliases = new Map<string, KindInfo>();
  const ajv = newAjv();
  const crds = readCrds(dir).sort((a, b) => crdOrder(a.crd) - crdOrder(b.crd));
  const KINDS: Kind[] = [];

  for (const { file, crd } of crds) {
    const spec = crd.spec as Json | undefined;
    const names = spec?.names as Json | undefined;
    if (crd.apiVersion !== 'apiextensions.k8s.io/v1') throw new Error(`${file}: apiVersion must be apiextensions.k8s.io/v1`);
    if (spec?.group !== GROUP) continue; // not ours
    const kind = names?.kind as Kind;
    if (typeof kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) throw new Error(`${file}: spec.names.kind ${JSON.stringify(names?.kind)} is not a kind name like VirtualMachine`);
    if (entries.has(kind)) throw new Error(`${file}: a second CRD for ${kind}`);
    if (spec.scope !== 'Cluster') throw new Error(`${file}: ${kind} must be cluster-scoped`);
    const version = ((spec.versions as Json[] | undefined) ?? []).find((v) => v.name === VERSION);
    if (!version || !version.served) throw new Error(`${file}: ${kind} does not serve ${VERSION}`);
    const raw = (version.schema as Json | undefined)?.openAPIV3Schema as SchemaNode | undefined;
    if (!raw) throw new Error(`${file}: ${kind} ${VERSION} has no openAPIV3Schema`);
    const errs: string[] = [];
    checkStructural(raw, kind, errs);
    if (errs.length) throw new Error(`${file}: the schema is not structural:\n  ${errs.join('\n  ')}`);
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(forCompile(raw, true));
    } catch (e) {
      throw new Error(`${file}: ${kind} schema does not compile: ${(e as Error).message}`);
    }
    const plural = String(names?.plural);
    const singular = String(names?.singular ?? kind.toLowerCase());
    const info: KindInfo = {
      kind,
      plural,
      singular,
      shortNames: ((names?.shortNames as string[] | undefined) ?? []).slice(),
      listKind: String(names?.listKind ?? `${kind}List`),
      printerColumns: ((version.additionalPrinterColumns as Json[] | undefined) ?? []).map((c) => ({
        name: String(c.name),
        type: String(c.type),
        jsonPath: String(c.jsonPath),
        ...(c.description !== undefined ? { description: String(c.description) } : {}),
        priority: typeof c.priority === 'number' ? c.priority : 0,
      })),
      description: String(raw.description ?? ''),
    };
    entries.set(kind, { info, raw, validate, nameRule: crdNameRule(crd) });
    KINDS.push(kind);
    const words = [kind, plural, singular, `${plural}.${GROUP}`, `${singular}.${GROUP}`, `${kind}.${VERSION}.${GROUP}`, `${plural}.${VERSION}.${GROUP}`];
    for (const s of info.shortNames) words.push(s, `${s}s`);
    for (const w of words) aliases.set(w.toLowerCase(), info);
  }
  // A CRD folder passed in must still cover every kind this package ships (crds/ beside the code).
  const missing = knownKinds().filter((k) => !entries.has(k));
  if (missing.length) throw new Error(`${dir}: no CRD for ${missing.join(', ')}`);
  if (!KINDS.length) throw new Error(`${dir}: no CRD of group ${GROUP}`);

  const ordered = KINDS.map((k) => entries.get(k)!);

  const resolveKind = (word: string): KindInfo | undefined => aliases.get(word.trim().toLowerCase());

  const validate = (doc: unknown): ValidationResult => {
    if (!isObj(doc)) return { ok: false, issues: [issue([], `a document must be a mapping with apiVersion, kind, metadata and spec, not ${describe(doc)}`)] };
    const issues: SchemaIssue[] = [];
    const { apiVersion, kind } = doc;
    if (apiVersion === undefined) issues.push(issue(['apiVersion'], `required field is missing (use ${API_VERSION})`));
    else if (apiVersion !== API_VERSION) {
      const v = String(apiVersion);
      issues.push(
        issue(['apiVersion'], v.startsWith(`${GROUP}/`) ? `unsupported version ${JSON.stringify(v)}; this hostplane serves ${API_VERSION}` : `unknown apiVersion ${JSON.stringify(v)}; hostplane objects use ${API_VERSION}`),
      );
    }
    const entry = typeof kind === 'string' ? entries.get(kind as Kind) : undefined;
    if (kind === undefined) issues.push(issue(['kind'], `required field is missing (one of: ${KINDS.join(', ')})`));
    else if (!entry) {
      const alias = typeof kind === 'string' ? resolveKind(kind) : undefined;
      const hint = alias?.kind ?? (typeof kind === 'string' ? suggest(kind, KINDS) : undefined);
      issues.push(issue(['kind'], `unknown kind ${JSON.stringify(kind)}${hint ? ` (did you mean "${hint}"?)` : ''}; known kinds: ${KINDS.join(', ')}`));
    }
    issues.push(...checkMetadata(doc.metadata, entry?.nameRule ?? 'subdomain'));
    if (!entry || issues.some((i) => i.field === 'apiVersion')) return { ok: false, issues: dedupe(issues) };

    const copy = structuredClone(doc);
    dropNulls(copy, entry.raw);
    if (!entry.validate(copy)) {
      for (const e of entry.validate.errors ?? []) {
        const i = toIssue(e, copy);
        if (i && !(i.path[0] === 'metadata' && i.path.length > 1)) issues.push(i);
      }
    }
    if (issues.length) return { ok: false, issues: dedupe(issues) };
    return { ok: true, object: copy as unknown as HostObject };
  };

  const explain = (path: string, opts: { recursive?: boolean } = {}): string => {
    const segs = path.trim().split('.').filter(Boolean);
    let info: KindInfo | undefined;
    let rest: string[] = [];
    for (let k = segs.length; k >= 1 && !info; k--) {
      info = resolveKind(segs.slice(0, k).join('.'));
      rest = segs.slice(k);
    }
    if (!info) {
      const known = ordered.map((e) => `${e.info.plural} (${e.info.shortNames.join(', ')})`).join(', ');
      throw new Error(`unknown kind in ${JSON.stringify(path)}; known: ${known}`);
    }
    const entry = entries.get(info.kind)!;
    let node: SchemaNode = entry.raw;
    const walked: string[] = [info.kind];
    let required = false;
    for (const seg of rest) {
      const holder = fieldsOf(node);
      const sub = holder?.properties?.[seg];
      if (!holder?.properties || !sub) {
        const where = walked.join('.');
        if (!holder?.properties) {
          const what = node[PRESERVE] ? 'is free-form and has no documented fields' : `is of type <${typeName(node)}> and has no fields`;
          throw new Error(`${where} ${what}`);
        }
        const names = Object.keys(holder.properties);
        const hint = suggest(seg, names);
        throw new Error(`field ${JSON.stringify(seg)} does not exist in ${where}${hint ? ` (did you mean "${hint}"?)` : ''}; fields: ${names.join(', ')}`);
      }
      required = (holder.required ?? []).includes(seg);
      node = sub;
      walked.push(seg);
    }
    const lines = [`GROUP:      ${GROUP}`, `KIND:       ${info.kind}`, `VERSION:    ${VERSION}`, ''];
    if (rest.length) {
      lines.push(`FIELD: ${rest[rest.length - 1]} <${typeName(node)}>${required ? ' -required-' : ''}`);
      if (node.default !== undefined) lines.push(`DEFAULT: ${JSON.stringify(node.default)}`);
      if (node.enum) {
        lines.push('ENUM:');
        for (const v of node.enum) lines.push(`    ${String(v)}`);
      }
      lines.push('');
    }
    lines.push('DESCRIPTION:', ...wrap(node.description ?? '<no description>', '    '));
    const facts = fieldFacts(node).filter((f) => !f.startsWith('default:') && !f.startsWith('enum:'));
    for (const f of facts) lines.push(`    (${f})`);
    if (fieldsOf(node)?.properties) {
      lines.push('', 'FIELDS:');
      listFields(node, opts.recursive === true, 0, lines);
    }
    while (lines[lines.length - 1] === '') lines.pop();
    return `${lines.join('\n')}\n`;
  };

  return {
    kinds: () => ordered.map((e) => e.info),
    resolveKind,
    validate,
    explain,
    openApiSchema: (kind: Kind) => {
      const e = entries.get(kind);
      if (!e) throw new Error(`unknown kind ${kind}`);
      return structuredClone(e.raw);
    },
  };
}
