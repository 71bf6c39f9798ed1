// Parses one spec file's text into documents, keeping positions so every error names file:line:col.
// Pure: no I/O. The source (source.ts) decides what the documents mean for the store.
import type { ValidationResult } from '../api/schema.js';
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode, type Pair } from 'yaml';
import type { Kind, SpecError } from '../api/types.js';
import { objectKey } from '../api/types.js';
import { knownKinds } from '../api/schema.js';
import type { SpecInput } from './store.js';

export type FieldPath = (string | number)[];

export interface LineCol {
  line: number; // 1-based
  col: number; // 1-based
}


/** What the source needs from the schema registry (src/api/schema.ts's SchemaRegistry fits). */
export interface SpecValidator {
  validate(doc: unknown): ValidationResult;
}

/** A syntactically valid, non-empty YAML document with its positions. */
export interface RawDocument {
  /** 0-based index among the file's non-empty documents. */
  index: number;
  /** Where the document's content starts. */
  position: LineCol;
  value: unknown;
  /** line:col of the node at `path`; falls back to the nearest existing parent (the document itself at worst). */
  positionOf(path: FieldPath): LineCol;
}

export interface ParsedText {
  documents: RawDocument[];
  /** YAML syntax errors. When non-empty the file as a whole does not parse and `documents` is empty. */
  errors: SpecError[];
}

/** A document after identification and validation. */
export interface SpecDocument {
  index: number;
  position: LineCol;
  /** `Kind/name` when the document names a known kind and a name, even when it is otherwise invalid. */
  key?: string;
  kind?: Kind;
  name?: string;
  /** Position of `metadata.name` (or the document when it has none): where duplicate errors point. */
  namePosition: LineCol;
  /** Present only when the document is valid: what the store gets (already defaulted). */
  input?: SpecInput;
  errors: SpecError[];
}

export interface ParsedSpecFile {
  file: string;
  /** False when the text has YAML syntax errors: nothing in it may be applied or deleted. */
  syntaxOk: boolean;
  documents: SpecDocument[];
  /** Every error in the file: syntax errors, or each document's errors in order. */
  errors: SpecError[];
}


export const YAML_FILE = /\.ya?ml$/i;


/** Names that are never specs: dotfiles/dirs, editor swap/backup files, temp files, node_modules. */
export function isIgnoredName(name: string): boolean {
  return (
    name.startsWith('.') ||
    name === 'node_modules' ||
    name.endsWith('~') ||
    /^#.*#$/.test(name) ||
    /\.(swp|swo|swx|bak|orig|rej|tmp)$/i.test(name) ||
    /\.tmp-\d+-[0-9a-f]+$/.test(name) // writeFileAtomic's temp files
  );
}

/** True for a path (relative to the specs dir, `/`-separated) that names a spec file. */
export function isSpecPath(rel: string): boolean {
  if (!YAML_FILE.test(rel)) return false;
  return !rel.split('/').some(isIgnoredName);
}

/** `spec.network.allow[0]` */
export function fieldPathToString(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** Inverse of fieldPathToString; also accepts `a.0.b` and `/a/0/b`. */
export function parseFieldPath(field: string): FieldPath {
  const out: FieldPath = [];
  const parts = field.startsWith('/') ? field.slice(1).split('/') : field.replace(/\[(\d+)\]/g, '.$1').split('.');
  for (const p of parts) {
    if (p === '') continue;
    out.push(/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return out;
}

// One format for a spec error everywhere (CLI, up, events): the object model's (src/api/spec-error.ts).
export { formatSpecError } from '../api/spec-error.js';

function cleanYamlMessage(message: string): string {
  // yaml appends " at line L, column C:" and a code frame; the position is reported separately.
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

function keyMatches(pair: Pair, seg: string | number): boolean {
  const k = isScalar(pair.key) ? pair.key.value : pair.key;
  return k !== null && k !== undefined && String(k) === String(seg);
}

function nodePosition(lc: LineCounter, node: YamlNode | null | undefined): LineCol | undefined {
  const off = node?.range?.[0];
  return off === undefined ? undefined : lc.linePos(off);
}

/** Splits text into YAML documents with positions; empty documents are dropped. */
export function parseYamlDocuments(file: string, text: string): ParsedText {
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: true }) as unknown as Document.Parsed[];
  } catch (err) {
    return { documents: [], errors: [{ file, line: 1, col: 1, field: '', message: `cannot parse YAML: ${(err as Error).message}` }] };
  }
  if (!Array.isArray(docs)) docs = []; // EmptyStream: a file with only comments or nothing
  const errors: SpecError[] = [];
  const documents: RawDocument[] = [];
  for (const doc of docs) {
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const pos = lc.linePos(e.pos[0]);
        errors.push({ file, line: pos.line, col: pos.col, field: '', message: `YAML syntax error: ${cleanYamlMessage(e.message)}` });
      }
      continue;
    }
    const contents = doc.contents as YamlNode | null;
    if (contents === null || contents === undefined) continue;
    if (isScalar(contents) && (contents.value === null || contents.value === undefined) && !contents.tag) continue; // `---` with nothing after it
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      const pos = nodePosition(lc, contents) ?? { line: 1, col: 1 };
      errors.push({ file, line: pos.line, col: pos.col, field: '', message: `YAML error: ${(err as Error).message}` });
      continue;
    }
    const docPos = nodePosition(lc, contents) ?? { line: 1, col: 1 };
    documents.push({
      index: documents.length,
      position: docPos,
      value,
      positionOf: (path) => positionIn(lc, contents, path) ?? docPos,
    });
  }
  if (errors.length) return { documents: [], errors };
  return { documents, errors };
}

/**
 * Position of the node at `path` below `root`. A map entry points at its value when that is a
 * scalar written on the page, otherwise at its key; a missing node falls back to its nearest parent.
 */
function positionIn(lc: LineCounter, root: YamlNode, path: FieldPath): LineCol | undefined {
  let node: unknown = root;
  let best = nodePosition(lc, root);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyMatches(p, seg));
      if (!pair) break;
      const v = pair.value as YamlNode | null;
      const keyPos = nodePosition(lc, pair.key as YamlNode);
      const valPos = isScalar(v) && v.range && v.range[1] > v.range[0] ? nodePosition(lc, v) : undefined;
      best = (isScalar(v) ? valPos : undefined) ?? keyPos ?? best;
      node = v;
    } else if (isSeq(node)) {
      const i = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
      const item = i >= 0 ? (node.items[i] as YamlNode | undefined) : undefined;
      if (!item) break;
      best = nodePosition(lc, item) ?? best;
      node = item;
    } else {
      break;
    }
  }
  return best;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Identifies and validates one document. Never throws: every problem becomes a SpecError. */
export function checkDocument(file: string, doc: RawDocument, validator: SpecValidator): SpecDocument {
  const v = doc.value;
  const errAt = (path: FieldPath, field: string, message: string, object?: string): SpecError => {
    const pos = doc.positionOf(path);
    return { file, line: pos.line, col: pos.col, field, message, ...(object ? { object } : {}) };
  };
  if (!isPlainObject(v)) {
    return { index: doc.index, position: doc.position, namePosition: doc.position, errors: [errAt([], '', 'a document must be a mapping with apiVersion, kind, metadata and spec')] };
  }
  const rawKind = v.kind;
  const meta = v.metadata;
  const rawName = isPlainObject(meta) ? meta.name : undefined;
  const kind = typeof rawKind === 'string' && knownKinds().includes(rawKind) ? (rawKind as Kind) : undefined;
  const name = typeof rawName === 'string' && rawName !== '' ? rawName : undefined;
  const key = kind && name ? objectKey(kind, name) : undefined;
  const namePosition = doc.positionOf(['metadata', 'name']);

  let result: ValidationResult;
  try {
    result = validator.validate(v);
  } catch (err) {
    result = { ok: false, issues: [{ path: [], field: '', message: `validation failed: ${(err as Error).message}` }] };
  }
  const base = { index: doc.index, position: doc.position, namePosition, ...(kind ? { kind } : {}), ...(name ? { name } : {}), ...(key ? { key } : {}) };
  if (result.ok && key) {
    const o = result.object;
    const metadata: SpecInput['metadata'] = { name: o.metadata.name };
    if (o.metadata.labels) metadata.labels = o.metadata.labels;
    if (o.metadata.annotations) metadata.annotations = o.metadata.annotations;
    const input: SpecInput = { apiVersion: o.apiVersion, kind: o.kind, metadata, spec: (o.spec ?? {}) as Record<string, unknown> };
    return { ...base, input, errors: [] };
  }
  const issues = result.ok ? [] : result.issues;
  const errors: SpecError[] = issues.map((i) => {
    const path = i.path.length ? i.path : parseFieldPath(i.field ?? '');
    return errAt(path, i.field || fieldPathToString(path), i.message, key);
  });
  // Whatever the registry says, a document we cannot identify must say which field is at fault.
  const has = (field: string) => errors.some((e) => e.field === field);
  if (!kind && !has('kind')) {
    errors.push(
      rawKind === undefined
        ? errAt([], 'kind', `kind is required (one of ${knownKinds().join(', ')})`)
        : errAt(['kind'], 'kind', `unknown kind ${JSON.stringify(rawKind)} (expected one of ${knownKinds().join(', ')})`),
    );
  }
  if (!name && !has('metadata.name')) {
    errors.push(errAt(['metadata', 'name'], 'metadata.name', 'metadata.name is required'));
  }
  if (!errors.length) errors.push(errAt([], '', 'invalid document'));
  return { ...base, errors };
}

/** Parses and validates a whole file. Pure. */
export function parseSpecFile(file: string, text: string, validator: SpecValidator): ParsedSpecFile {
  const parsed = parseYamlDocuments(file, text);
  if (parsed.errors.length) return { file, syntaxOk: false, documents: [], errors: parsed.errors };
  const documents = parsed.documents.map((d) => checkDocument(file, d, validator));
  return { file, syntaxOk: true, documents, errors: documents.flatMap((d) => d.errors) };
}
