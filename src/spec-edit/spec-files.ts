// Edits of spec files that keep the user's comments and layout, for the CLI and the HTTP API.
//
// A file is split into its top-level YAML tokens (yaml's CST). Only the edited document's token is
// rewritten; every other byte of the file stays as it was. Inside the edited document, a changed
// scalar is replaced in the CST (the rest of the document is untouched byte for byte); anything
// else edits the document's AST (unchanged nodes keep their comments) and re-serializes it in the
// style the document already uses. Every write is atomic (temp file + rename). A batch apply
// (applyObjects) computes every file's new text first and writes only when all of them succeeded.
import { existsSync, lstatSync, readFileSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { readSpecText } from '../controllers/spec-read.js';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import {
  CST,
  Composer,
  Document,
  LineCounter,
  Parser,
  YAMLMap,
  YAMLSeq,
  isCollection,
  isMap,
  isNode,
  isScalar,
  isSeq,
  parseAllDocuments,
  parseDocument,
  type Node as YamlNode,
  type Scalar,
  type ToStringOptions,
} from 'yaml';
import { knownKinds } from '../api/schema.js';
import { isSpecPath, parseFieldPath, type FieldPath } from '../controllers/spec-parse.js';
import { writeFileAtomic } from '../controllers/state-dir.js';

/** A path that would leave the specs directory, or that hostplane would not watch. */
export class SpecPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecPathError';
  }
}

/** The file cannot be edited as asked (does not parse, object not in it, field not settable). */
export class SpecEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecEditError';
  }
}

export interface ApplyObjectInput {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface EditResult {
  /** The file written (relative to the specs directory). */
  file: string;
  action: 'created' | 'updated' | 'unchanged' | 'deleted';
  /** deleteObject: the file held nothing else and was removed. */
  fileRemoved?: boolean;
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Resolves `file` inside `specsDir`, refusing absolute paths, `..` escapes and symlinks that lead
 * outside. Returns the path to write (a symlink inside the directory is followed to its target).
 */
export function resolveSpecPath(specsDir: string, file: string): { abs: string; real: string; rel: string } {
  const root = resolve(specsDir);
  if (typeof file !== 'string' || file.trim() === '') throw new SpecPathError(`no spec file given; name a file relative to the specs directory ${root}, like vms/dev.yaml`);
  if (file.includes('\0')) throw new SpecPathError(`spec file name ${JSON.stringify(file)} contains a NUL byte`);
  if (isAbsolute(file) || /^[a-zA-Z]:[\\/]/.test(file)) {
    throw new SpecPathError(`spec file "${file}" is an absolute path; name it relative to the specs directory ${root} (like vms/dev.yaml)`);
  }
  const abs = resolve(root, file);
  if (!inside(root, abs) || abs === root) throw new SpecPathError(`spec file "${file}" escapes the specs directory ${root}; use a path inside it (like vms/dev.yaml)`);
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    throw new SpecPathError(`the specs directory ${root} does not exist; create it or pass the right --specs directory`);
  }
  // The deepest part of the path that exists decides where a write really lands.
  let probe = abs;
  while (!lexists(probe)) probe = dirname(probe);
  let real: string;
  try {
    real = realpathSync(probe);
  } catch {
    throw new SpecPathError(`spec file "${file}" goes through a broken symbolic link (${probe}); fix or remove the link`);
  }
  if (!inside(realRoot, real)) {
    throw new SpecPathError(`spec file "${file}" leads through a symbolic link to ${real}, outside the specs directory ${root}; hostplane only writes inside it — replace the link with a real file or directory`);
  }
  const realTarget = probe === abs ? real : resolve(real, relative(probe, abs));
  return { abs, real: realTarget, rel: relative(root, abs).split(sep).join('/') };
}

function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** `<kind plural lowercase>/<name>.yaml`, e.g. `virtualmachines/dev-master.yaml`. */
export function defaultSpecFile(kind: string, name: string): string {
  return `${kind.toLowerCase()}s/${name}.yaml`;
}

// ------------------------------------------------------------------------------- file model

type TopToken = ReturnType<Parser['parse']> extends Generator<infer T> ? T : never;

interface LoadedFile {
  rel: string;
  real: string;
  text: string;
  mode: number;
  tokens: TopToken[];
  /** Per top-level token: its current text (replaced for edited documents). */
  parts: string[];
}

/** A spec file's path and current text (`undefined`: it does not exist); reads, never parses. */
interface FileText {
  rel: string;
  real: string;
  mode: number;
  text: string | undefined;
}

function readSpecFile(specsDir: string, file: string): FileText {
  const { real, rel } = resolveSpecPath(specsDir, file);
  try {
    const text = readSpecText(real, { label: rel });
    return { rel, real, mode: statSync(real).mode & 0o777, text };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rel, real, mode: 0o644, text: undefined };
    throw err;
  }
}

/** The first parse error of `text` (`at` is `rel:line:col`), or undefined when it parses. */
function parseError(rel: string, text: string): { at: string; message: string } | undefined {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc });
  for (const d of Array.isArray(docs) ? docs : []) {
    const e = d.errors[0];
    if (e) {
      const p = lc.linePos(e.pos[0]);
      return { at: `${rel}:${p.line}:${p.col}`, message: e.message.split('\n')[0] };
    }
  }
  return undefined;
}

function parseFile(ft: FileText & { text: string }): LoadedFile {
  const err = parseError(ft.rel, ft.text);
  if (err) throw new SpecEditError(`${err.at}: cannot edit the file, it does not parse (${err.message}); fix it first`);
  const tokens = [...new Parser().parse(ft.text)];
  return { rel: ft.rel, real: ft.real, text: ft.text, mode: ft.mode, tokens, parts: tokens.map((t) => CST.stringify(t)) };
}

function loadFile(specsDir: string, file: string): LoadedFile | undefined {
  const ft = readSpecFile(specsDir, file);
  return ft.text === undefined ? undefined : parseFile({ ...ft, text: ft.text });
}

function composeDoc(token: TopToken): Document.Parsed {
  const docs = [...new Composer({ keepSourceTokens: true }).compose([token], true)];
  return docs[0] as Document.Parsed;
}

/** Index of the top-level token holding kind/name, and its composed document. */
function findDoc(f: LoadedFile, kind: string, name: string): { index: number; doc: Document.Parsed } | undefined {
  for (let i = 0; i < f.tokens.length; i++) {
    if (f.tokens[i].type !== 'document') continue;
    const doc = composeDoc(f.tokens[i]);
    if (!isMap(doc.contents)) continue;
    if (doc.get('kind') === kind && doc.getIn(['metadata', 'name']) === name) return { index: i, doc };
  }
  return undefined;
}

function write(f: LoadedFile, text: string): void {
  writeFileAtomic(f.real, text, f.mode);
}

/** How the document is already written, so a re-serialized document keeps looking the same. */
function styleOf(text: string): ToStringOptions {
  const opts: ToStringOptions = { lineWidth: 0, minContentWidth: 0 };
  // Comment lines may sit between a key and its first item or child; they say nothing about indentation.
  if (/^( *)[^ \n#-][^\n]*:[ \t]*(#[^\n]*)?\n(?:[ \t]*#[^\n]*\n)*\1- /m.test(text)) opts.indentSeq = false;
  if (/[{[] [^ \n\]}]/.test(text)) opts.flowCollectionPadding = true;
  else if (/[{[][^ \n\]}]/.test(text)) opts.flowCollectionPadding = false;
  const m = /^( *)[^ \n#-][^\n]*:[ \t]*\n(?:[ \t]*#[^\n]*\n)*( +)[^ \n#]/m.exec(text);
  if (m) {
    const step = m[2].length - m[1].length;
    if (step >= 1 && step <= 8) opts.indent = step;
  }
  return opts;
}

/** Re-serializes an AST-edited document, keeping the blank lines that followed it. */
function renderDoc(doc: Document.Parsed, original: string): string {
  const out = doc.toString(styleOf(original));
  const trailing = /\n*$/.exec(original)?.[0] ?? '';
  return out.replace(/\n*$/, '') + (trailing || '\n');
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual(ao[k], bo[k]));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalarValue(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function jsOf(doc: Document, node: unknown): unknown {
  return isNode(node) ? node.toJS(doc) : node;
}

// ------------------------------------------------------------------------------- setSpecField

/**
 * Sets one field of kind/name's document in `source.file` (intermediate maps are created; a value of
 * `undefined` removes the field). `path` is an array or a dotted string; it starts at the document
 * root when its first segment is `spec` or `metadata`, otherwise it is relative to `spec`:
 * `['spec','powerState']`, `'spec.powerState'` and `['powerState']` are the same field.
 */
export function setSpecField(
  specsDir: string,
  source: { file: string },
  kind: string,
  name: string,
  path: FieldPath | string,
  value: unknown,
): EditResult {
  const f = loadFile(specsDir, source.file);
  if (!f) throw new SpecEditError(`${source.file} does not exist (any more); ${kind}/${name} cannot be edited there`);
  const found = findDoc(f, kind, name);
  if (!found) throw new SpecEditError(`${f.rel} has no ${kind} named "${name}"; it may have been moved or renamed — look it up again`);
  let full = typeof path === 'string' ? parseFieldPath(path) : [...path];
  if (full[0] !== 'spec' && full[0] !== 'metadata') full = ['spec', ...full];
  if (full.length < 2) throw new SpecEditError(`refusing to replace ${full.join('.')} as a whole; name a field inside it`);
  if (full[0] === 'metadata' && full[1] === 'name') throw new SpecEditError('metadata.name cannot be changed by an edit; create the object under the new name and delete the old one');

  const { index, doc } = found;
  const before = jsOf(doc, doc.getIn(full, true));
  if (value === undefined ? !doc.hasIn(full) : deepEqual(before, value) && doc.hasIn(full)) return { file: f.rel, action: 'unchanged' };

  const fast = value !== undefined && tryScalarEdit(f, index, full, value);
  if (!fast) {
    if (value === undefined) doc.deleteIn(full);
    else setPath(doc, full, value);
    f.parts[index] = renderDoc(doc, f.parts[index]);
  }
  write(f, f.parts.join(''));
  return { file: f.rel, action: 'updated' };
}

/** Replaces an existing single-line scalar in the CST: the rest of the document stays byte for byte. */
function tryScalarEdit(f: LoadedFile, index: number, path: FieldPath, value: unknown): boolean {
  if (!isScalarValue(value)) return false;
  const original = f.parts[index];
  const attempts: { text: string; type: Scalar.Type }[] = [];
  if (typeof value === 'string') {
    attempts.push({ text: value, type: 'PLAIN' }, { text: value, type: 'QUOTE_DOUBLE' });
  } else {
    attempts.push({ text: value === null ? 'null' : String(value), type: 'PLAIN' });
  }
  for (const a of attempts) {
    // A fresh CST per attempt: setScalarValue mutates the tokens.
    const token = [...new Parser().parse(original)].find((t) => t.type === 'document');
    if (!token) return false;
    const doc = composeDoc(token);
    const node = doc.getIn(path, true);
    if (!isScalar(node) || !node.srcToken) return false;
    const oldType = node.type;
    if (oldType !== 'PLAIN' && oldType !== 'QUOTE_DOUBLE' && oldType !== 'QUOTE_SINGLE') return false;
    const type = typeof value === 'string' && a.type === 'PLAIN' && oldType !== 'PLAIN' ? oldType : a.type;
    try {
      CST.setScalarValue(node.srcToken, a.text, { type, afterKey: true });
    } catch {
      continue;
    }
    const text = CST.stringify(token);
    // Verify: the new text must parse and hold exactly the new value, everything else unchanged.
    const check = parseDocument(text);
    if (check.errors.length || !deepEqual(check.getIn(path), value)) continue;
    const was = parseDocument(original);
    was.setIn(path, value);
    if (!deepEqual(check.toJS(), was.toJS())) continue;
    f.parts[index] = text;
    return true;
  }
  return false;
}

/** setIn that creates intermediate maps (or sequences for numeric segments) and replaces empty values. */
function setPath(doc: Document.Parsed, path: FieldPath, value: unknown): void {
  if (!isMap(doc.contents)) throw new SpecEditError('the document is not a mapping');
  let node: YamlNode = doc.contents;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i];
    const coll = node as YAMLMap | YAMLSeq;
    let child = coll.get(seg, true) as unknown;
    if (!isCollection(child)) {
      if (child !== undefined && !(isScalar(child) && (child.value === null || child.value === undefined))) {
        const at = path.slice(0, i + 1).join('.');
        throw new SpecEditError(`cannot set ${path.join('.')}: ${at} holds ${JSON.stringify(jsOf(doc, child))}, not a map`);
      }
      const fresh: YAMLMap | YAMLSeq = typeof path[i + 1] === 'number' ? new YAMLSeq(doc.schema) : new YAMLMap(doc.schema);
      coll.set(seg, fresh);
      child = fresh;
    }
    node = child as YamlNode;
  }
  const last = path[path.length - 1];
  const coll = node as YAMLMap | YAMLSeq;
  const existing = coll.get(last, true) as unknown;
  if (isScalar(existing) && isScalarValue(value)) {
    if (typeof existing.value !== typeof value) existing.type = undefined;
    existing.value = value;
  } else {
    coll.set(last, doc.createNode(value));
  }
}

// ------------------------------------------------------------------------------- applyObject

function desiredDoc(obj: ApplyObjectInput): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: obj.metadata.name };
  if (obj.metadata.labels && Object.keys(obj.metadata.labels).length) metadata.labels = obj.metadata.labels;
  if (obj.metadata.annotations && Object.keys(obj.metadata.annotations).length) metadata.annotations = obj.metadata.annotations;
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata, spec: obj.spec ?? {} };
}

/** One object of a batch apply: the object, and the file to put it in (default `<plural>/<name>.yaml`). */
export interface ApplyBatchItem {
  obj: ApplyObjectInput;
  file?: string;
}

/** A spec file as a batch sees it: its text on disk, and its text with the batch's edits so far. */
interface Draft extends FileText {
  /** The text on disk when the batch started (`undefined`: the file did not exist). */
  original: string | undefined;
}

/** What a batch would do, computed without writing anything. */
export interface ApplyPlan {
  /** Per item, in order: where it goes and what happens to it. */
  results: EditResult[];
  /** The files whose text changes (relative to the specs directory), each with its new text. */
  files: { file: string; text: string; created: boolean }[];
}

/** Checks `obj`'s kind and name and where it goes; resolves the target file safely. */
function targetOf(specsDir: string, obj: ApplyObjectInput, file: string | undefined): { file: string; rel: string; real: string } {
  if (!knownKinds().includes(obj.kind)) throw new SpecEditError(`unknown kind "${obj.kind}"; expected one of ${knownKinds().join(', ')}`);
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    throw new SpecEditError(`metadata.name ${JSON.stringify(name)} is not a valid name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`);
  }
  const target = file ?? defaultSpecFile(obj.kind, name);
  const { rel, real } = resolveSpecPath(specsDir, target);
  if (!isSpecPath(rel)) {
    throw new SpecPathError(`"${target}" is not a file hostplane watches: spec files end in .yaml or .yml and are not in hidden directories or node_modules`);
  }
  return { file: target, rel, real };
}

/**
 * The new text of a file after putting `obj` in it (pure: reads and writes nothing). `text` is the
 * file's current text, `undefined` when it does not exist. The result is checked to parse.
 */
function applyToText(ft: FileText, obj: ApplyObjectInput): { text: string; action: 'created' | 'updated' | 'unchanged' } {
  const want = desiredDoc(obj);
  const name = obj.metadata.name;
  let out: { text: string; action: 'created' | 'updated' | 'unchanged' };
  if (ft.text === undefined) {
    out = { text: new Document(want).toString({ lineWidth: 0 }), action: 'created' };
  } else {
    const f = parseFile({ ...ft, text: ft.text });
    const found = findDoc(f, obj.kind, name);
    if (!found) {
      const body = new Document(want).toString({ ...styleOf(f.text), lineWidth: 0 });
      const hasDocs = f.tokens.some((t) => t.type === 'document' && composeDoc(t).contents !== null);
      let text = f.text;
      if (text !== '' && !text.endsWith('\n')) text += '\n';
      out = { text: hasDocs ? `${text}---\n${body}` : `${text}${body}`, action: 'created' };
    } else {
      const { index, doc } = found;
      if (deepEqual(doc.toJS(), want)) return { text: ft.text, action: 'unchanged' };
      if (!isMap(doc.contents)) throw new SpecEditError(`${f.rel}: the document for ${obj.kind}/${name} is not a mapping`);
      syncMap(doc, doc.contents, want);
      f.parts[index] = renderDoc(doc, f.parts[index]);
      out = { text: f.parts.join(''), action: 'updated' };
    }
  }
  const err = parseError(ft.rel, out.text);
  if (err) throw new SpecEditError(`${err.at}: writing ${obj.kind}/${name} would leave the file unparseable (${err.message}); nothing was written`);
  return out;
}

/** The planning behind planApplyObjects and applyObjects: per item its result, per file its draft. */
function planDrafts(specsDir: string, items: readonly ApplyBatchItem[]): { results: EditResult[]; drafts: Draft[] } {
  const drafts = new Map<string, Draft>(); // by real path: two names for one file share a draft
  const results: EditResult[] = [];
  for (const item of items) {
    const { file, rel, real } = targetOf(specsDir, item.obj, item.file);
    let draft = drafts.get(real);
    if (!draft) {
      const ft = readSpecFile(specsDir, file);
      draft = { ...ft, original: ft.text };
      drafts.set(real, draft);
    }
    const res = applyToText({ ...draft, rel }, item.obj);
    draft.text = res.text;
    results.push({ file: rel, action: res.action });
  }
  return { results, drafts: [...drafts.values()].filter((d) => d.text !== undefined && d.text !== d.original) };
}

/**
 * Plans a batch apply without writing anything: every item is checked (kind, name, a safe target
 * path, a target file that parses) and the new text of every target file is computed. Several
 * items may go to the same file; each then builds on the ones before it. Throws on the first item
 * that cannot be applied.
 */
export function planApplyObjects(specsDir: string, items: readonly ApplyBatchItem[]): ApplyPlan {
  const { results, drafts } = planDrafts(specsDir, items);
  return { results, files: drafts.map((d) => ({ file: d.rel, text: d.text ?? '', created: d.original === undefined })) };
}

/**
 * Writes a planned batch: every changed file, each atomically. Should a write fail part way, the
 * files already written are put back as they were (best effort) before the error is rethrown.
 */
function commitDrafts(drafts: readonly Draft[]): void {
  const written: Draft[] = [];
  try {
    for (const d of drafts) {
      if (d.text === undefined || d.text === d.original) continue;
      writeFileAtomic(d.real, d.text, d.mode);
      written.push(d);
    }
  } catch (err) {
    for (const d of written.reverse()) {
      try {
        if (d.original === undefined) unlinkSync(d.real);
        else writeFileAtomic(d.real, d.original, d.mode);
      } catch {
        /* best effort: the original error is the one to report */
      }
    }
    throw err;
  }
}

/**
 * Applies several objects all or nothing: every item is planned first (see planApplyObjects) and
 * files are written only when all plans succeeded. Returns one result per item, in order.
 */
export function applyObjects(specsDir: string, items: readonly ApplyBatchItem[]): EditResult[] {
  const { results, drafts } = planDrafts(specsDir, items);
  commitDrafts(drafts);
  return results;
}

/**
 * Writes `obj` to disk. If `opts.file` (or the default file `<plural>/<name>.yaml`) holds the
 * object, its document is rewritten in place: unchanged fields keep their comments and order, new
 * fields are appended, fields no longer present are removed. Otherwise the object is appended to
 * that file as a new document (or the file is created). A batch of one (see applyObjects).
 */
export function applyObject(specsDir: string, obj: ApplyObjectInput, opts: { file?: string } = {}): EditResult {
  return applyObjects(specsDir, [{ obj, ...(opts.file !== undefined ? { file: opts.file } : {}) }])[0];
}

/** Makes `map` hold `want`, touching only what differs (untouched nodes keep comments and position). */
function syncMap(doc: Document, map: YAMLMap, want: Record<string, unknown>): void {
  for (const pair of [...map.items]) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    const ks = String(k);
    if (!Object.prototype.hasOwnProperty.call(want, ks) || want[ks] === undefined) map.delete(pair.key);
  }
  for (const [k, v] of Object.entries(want)) {
    if (v === undefined) continue;
    const pair = map.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === k);
    if (!pair) map.add(doc.createPair(k, v));
    else pair.value = syncValue(doc, pair.value, v);
  }
}

function syncValue(doc: Document, node: unknown, want: unknown): unknown {
  if (deepEqual(jsOf(doc, node), want)) return node;
  if (isMap(node) && isPlainObject(want)) {
    syncMap(doc, node, want);
    return node;
  }
  if (isSeq(node) && Array.isArray(want)) {
    syncSeq(doc, node, want);
    return node;
  }
  if (isScalar(node) && isScalarValue(want)) {
    if (typeof node.value !== typeof want) node.type = undefined;
    node.value = want;
    return node;
  }
  const fresh = doc.createNode(want);
  if (isNode(node)) {
    fresh.commentBefore = node.commentBefore;
    fresh.comment = node.comment;
  }
  return fresh;
}

/** Keys that identify an entry of a list of maps (provision users and steps by name, files by path). */
const ITEM_KEYS = ['name', 'path'];

/**
 * Makes `seq` hold `want`. Each kept item keeps its node (and so its comments); new items get fresh
 * nodes, removed items go with their comments. Scalars are matched by value (longest common
 * subsequence), maps by a key every item has (`name`, `path`); anything else by index.
 */
function syncSeq(doc: Document, seq: YAMLSeq, want: unknown[]): void {
  const items = seq.items;
  const have = items.map((n) => jsOf(doc, n));
  let next: unknown[];
  const key = ITEM_KEYS.find((k) => uniqueKeys(have, k) && uniqueKeys(want, k));
  if (items.every((n) => isScalar(n)) && want.every(isScalarValue)) {
    const match = lcsMatch(have, want);
    next = want.map((w, j) => (match[j] === undefined ? doc.createNode(w) : items[match[j]!]));
  } else if (key !== undefined && items.every((n) => isMap(n))) {
    const byKey = new Map(have.map((h, i) => [(h as Record<string, unknown>)[key], items[i]]));
    next = want.map((w) => {
      const old = byKey.get((w as Record<string, unknown>)[key]);
      return old === undefined ? doc.createNode(w) : syncValue(doc, old, w);
    });
  } else {
    next = want.map((w, i) => (i < items.length ? syncValue(doc, items[i], w) : doc.createNode(w)));
  }
  items.splice(0, items.length, ...(next as typeof items));
}

/** True when every entry is a map with a distinct scalar value at `key`. */
function uniqueKeys(list: unknown[], key: string): boolean {
  const seen = new Set<unknown>();
  for (const x of list) {
    if (!isPlainObject(x)) return false;
    const v = x[key];
    if (!isScalarValue(v) || v === null || seen.has(v)) return false;
    seen.add(v);
  }
  return true;
}

/** For each entry of `b`, the index of the entry of `a` it keeps in a longest common subsequence (undefined: new). */
function lcsMatch(a: unknown[], b: unknown[]): (number | undefined)[] {
  const n = a.length;
  const m = b.length;
  // len[i][j]: the LCS length of a[i..] and b[j..]
  const len = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) len[i][j] = deepEqual(a[i], b[j]) ? len[i + 1][j + 1] + 1 : Math.max(len[i + 1][j], len[i][j + 1]);
  }
  const out = new Array<number | undefined>(m).fill(undefined);
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (deepEqual(a[i], b[j])) out[j++] = i++;
    else if (len[i + 1][j] >= len[i][j + 1]) i++;
    else j++;
  }
  return out;
}

// ------------------------------------------------------------------------------- deleteObject

/**
 * Removes kind/name's document from `file`; the other documents and their comments stay. A file
 * left without documents is removed. Deleting what is not there is not an error (`unchanged`).
 */
export function deleteObject(specsDir: string, file: string, kind: string, name: string): EditResult {
  const f = loadFile(specsDir, file);
  if (!f) return { file, action: 'unchanged' };
  const text = deleteFromText(f, kind, name);
  if (text === undefined) return { file: f.rel, action: 'unchanged' };
  if (text === null) {
    unlinkSync(f.real);
    return { file: f.rel, action: 'deleted', fileRemoved: true };
  }
  write(f, text);
  return { file: f.rel, action: 'deleted', fileRemoved: false };
}

/**
 * The text of `f` without kind/name's document (pure): `undefined` when it is not there, `null`
 * when nothing would be left and the file should go.
 */
function deleteFromText(f: LoadedFile, kind: string, name: string): string | null | undefined {
  const found = findDoc(f, kind, name);
  if (!found) return undefined;
  const parts = [...f.parts];
  parts[found.index] = '';
  // An explicit end marker (`...`) right after the document goes with it.
  for (let i = found.index + 1; i < f.tokens.length && f.tokens[i].type === 'doc-end'; i++) parts[i] = '';
  let text = parts.join('');
  const rest = parseAllDocuments(text);
  const remaining = (Array.isArray(rest) ? rest : []).filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null));
  if (!remaining.length) return null;
  // A file whose first remaining document starts with `---` is fine YAML; drop a leading blank run only.
  if (found.index === 0) text = text.replace(/^\n+/, '');
  const err = parseError(f.rel, text);
  if (err) throw new SpecEditError(`${err.at}: removing ${kind}/${name} would leave the file unparseable (${err.message}); nothing was written`);
  return text;
}

/** For callers that want to know whether a path exists inside the specs directory. */
export function specFileExists(specsDir: string, file: string): boolean {
  return existsSync(resolveSpecPath(specsDir, file).real);
}
