// `hostplane apply -f FILE` and `hostplane delete`: kubectl's verbs, carried out as edits of the
// spec files (the specs directory stays the source of truth; `up` picks the edit up like any other).
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, isAbsolute } from 'node:path';

/** Folders of the specs dir that `apply` created (relative paths), in the state dir. */
const CREATED_FOLDERS = join('spec-edits', 'created-folders.json');

function createdFolders(view: LabView): string[] {
  return view.stateDir.readJson<string[]>(CREATED_FOLDERS) ?? [];
}
import { parseAllDocuments } from 'yaml';
import type { Kind } from '../api/types.js';
import { formatSpecError, parseSpecFile } from '../controllers/spec-parse.js';
import type { LabView } from './view.js';
import { readSpecText } from '../controllers/spec-read.js';

export interface ApplyOutcome {
  lines: string[];
  errors: string[];
}

/** Validates every document first; writes nothing unless all are valid and every edit can be made (like kubectl's dry pass). */
export async function applyFile(view: LabView, specsDir: string, file: string, opts: { to?: string } = {}): Promise<ApplyOutcome> {
  // A spec file is read bounded and non-blocking, like `up` reads the specs directory.
  const text = readInput(file);
  const label = file === '-' ? '<stdin>' : file;
  const parsed = parseSpecFile(label, text, view.registry);
  if (parsed.errors.length) return { lines: [], errors: parsed.errors.map(formatSpecError) };
  // Write the documents as the user wrote them, not with defaults filled in.
  const raw = parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown> | null).filter((d): d is Record<string, unknown> => !!d);
  // As the API does: nothing to apply is an error, and so is one object given twice (which one would win?).
  if (!raw.length) return { lines: [], errors: [`${label}: no documents to apply`] };
  const seen = new Set<string>();
  for (const doc of raw) {
    const key = `${String(doc.kind)}/${String((doc.metadata as { name?: unknown } | undefined)?.name)}`;
    if (seen.has(key)) return { lines: [], errors: [`${label}: ${key} appears twice; nothing was applied`] };
    seen.add(key);
  }
  // An object whose file does not parse has no known place: writing it to a new file would make a
  // second definition, ignored once the first file is fixed. Refuse, as the API does (409).
  for (const doc of raw) {
    const kind = doc.kind as Kind;
    const name = String((doc.metadata as { name?: unknown } | undefined)?.name);
    if (view.store.sourceOf(kind, name)) continue;
    const broken = brokenFileDefining(view, kind, name);
    if (broken) return { lines: [], errors: [`${broken.error.file}:${broken.error.line}:${broken.error.col}: cannot edit the file, it does not parse (${broken.error.message}); fix it first (${kind}/${name} may be defined there)`] };
  }
  const { applyObjects, defaultSpecFile } = await import('../spec-edit/spec-files.js');
  const items = raw.map((doc) => {
    const kind = doc.kind as Kind;
    const meta = (doc.metadata ?? {}) as { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    const source = view.store.sourceOf(kind, meta.name);
    const obj = { apiVersion: String(doc.apiVersion), kind, metadata: meta, spec: (doc.spec ?? {}) as Record<string, unknown> };
    // A new object goes where its kind already lives (`vms/` rather than a new `virtualmachines/`), or --to FILE.
    return source ? { obj, file: source.file } : { obj, file: opts.to ?? homeFolderFile(view, kind, meta.name) };
  });
  // Folders this apply creates are remembered: `delete` removes a folder it empties only if hostplane made it.
  const newDirs = [...new Set(items.map((i) => dirname(i.file ?? defaultSpecFile(i.obj.kind, i.obj.metadata.name))))].filter((d) => d !== '.' && !existsSync(join(specsDir, d)));
  // Planned as one batch: nothing is written unless every document can be.
  const results = applyObjects(specsDir, items);
  const made = new Set([...createdFolders(view), ...results.map((r) => dirname(r.file)).filter((d) => newDirs.includes(d))]);
  if (made.size) view.stateDir.writeJson(CREATED_FOLDERS, [...made].sort());
  const lines = items.map(({ obj }, i) => {
    const res = results[i];
    const singular = view.registry.resolveKind(obj.kind)?.singular ?? obj.kind.toLowerCase();
    const verb = res.action === 'created' ? 'created' : res.action === 'updated' ? 'configured' : 'unchanged';
    return `${singular}/${obj.metadata.name} ${verb} (${res.file})`;
  });
  return { lines, errors: [] };
}

/** A spec file that does not parse and may define `kind/name`: one naming it, or any when the state dir knows the object. */
function brokenFileDefining(view: LabView, kind: Kind, name: string): LabView['unparsedFiles'][number] | undefined {
  const files = view.unparsedFiles ?? [];
  const mentions = new RegExp(`^\\s*name:\\s*["']?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*(#.*)?$`, 'm');
  const named = files.find((f) => f.text !== undefined && mentions.test(f.text));
  if (named) return named;
  return view.store.get(kind, name) ? files[0] : undefined;
}

/**
 * `<folder>/<name>.yaml` in the folder that holds most objects of `kind` now; `<plural>/<name>.yaml`
 * (spec-edit's default) when the kind has no objects yet.
 */
export function homeFolderFile(view: LabView, kind: Kind, name: string): string | undefined {
  const count = new Map<string, number>();
  for (const o of view.store.list(kind)) {
    const src = view.store.sourceOf(kind, o.metadata.name);
    if (!src) continue;
    const dir = dirname(src.file);
    count.set(dir, (count.get(dir) ?? 0) + 1);
  }
  const best = [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (!best) return undefined;
  return best[0] === '.' ? `${name}.yaml` : `${best[0]}/${name}.yaml`;
}

/** The file extensions `apply -f DIR` reads, as kubectl. */
export const APPLY_EXTENSIONS = ['.json', '.yaml', '.yml'];

/** Whether -f names a directory (followed if it is a symlink); `-` and missing paths are not. */
export function isDirectoryInput(file: string): boolean {
  if (file === '-') return false;
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `apply -f DIR`: the .json/.yaml/.yml entries of DIR in sorted order (with `recursive`, those of its
 * subdirectories too, each directory's entries sorted), as kubectl walks them. A symlink whose target
 * is outside DIR is not followed: it is an error for that entry, the others are still listed. Other
 * entries with a spec extension (FIFOs, devices) are listed and refused by name when read.
 */
export function filesInDirectory(dir: string, recursive: boolean): { files: string[]; errors: string[] } {
  const files: string[] = [];
  const errors: string[] = [];
  const root = realpathSync(dir);
  const inside = (p: string) => {
    const rel = relative(root, p);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  const seen = new Set<string>();
  const walk = (d: string) => {
    const real = realpathSync(d);
    if (seen.has(real)) return; // a link back into the tree: each directory once
    seen.add(real);
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      let st = lstatSync(path);
      if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(path);
        } catch {
          if (APPLY_EXTENSIONS.includes(extname(name).toLowerCase())) errors.push(`${path}: a symbolic link to a path that does not exist; not applied`);
          continue;
        }
        if (!inside(target)) {
          if (APPLY_EXTENSIONS.includes(extname(name).toLowerCase()) || (recursive && statSync(target).isDirectory())) {
            errors.push(`${path}: a symbolic link leading outside ${dir} (to ${target}); not applied`);
          }
          continue;
        }
        st = statSync(path);
      }
      if (st.isDirectory()) {
        if (recursive) walk(path);
        continue;
      }
      if (APPLY_EXTENSIONS.includes(extname(name).toLowerCase())) files.push(path);
    }
  };
  walk(dir);
  return { files, errors };
}

/** A file named by -f, or standard input for `-`; a missing path is said as kubectl says it. */
export function readInput(file: string): string {
  if (file === '-') return readFileSync(0, 'utf8');
  try {
    return readSpecText(file, { label: file });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`the path "${file}" does not exist`);
    throw e;
  }
}

/** `delete -f FILE`: the objects the file's documents name (kind and metadata.name; the rest is not read). */
export function objectsInFile(view: LabView, file: string): { kind: Kind; name: string }[] {
  const text = readInput(file);
  const out: { kind: Kind; name: string }[] = [];
  for (const d of parseAllDocuments(text)) {
    if (d.errors.length) throw new Error(`${file === '-' ? '<stdin>' : file}: ${d.errors[0]!.message}`);
    const doc = d.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
    if (!doc) continue;
    const info = typeof doc.kind === 'string' ? view.registry.resolveKind(doc.kind) : undefined;
    const name = doc.metadata?.name;
    if (!info || typeof name !== 'string') throw new Error(`${file}: every document needs a known kind and metadata.name (got kind ${String(doc.kind)}, name ${String(name)})`);
    out.push({ kind: info.kind, name });
  }
  if (!out.length) throw new Error(`${file}: no objects to delete`);
  return out;
}

export async function deleteFromSpecs(view: LabView, specsDir: string, kind: Kind, name: string): Promise<string> {
  const source = view.store.sourceOf(kind, name);
  if (!source) throw new Error(`${kind} "${name}" has no document in the specs directory`);
  const { deleteObject } = await import('../spec-edit/spec-files.js');
  const { recordDeletionIntent } = await import('../controllers/deletion-guard.js');
  // Asked for by name: `up`'s mass-deletion guard must not hold it back (announced before the edit).
  recordDeletionIntent(view.stateDir, `${kind}/${name}`);
  const res = deleteObject(specsDir, source.file, kind, name);
  const folder = dirname(res.file);
  const made = createdFolders(view);
  let folderRemoved = false;
  if (res.fileRemoved && made.includes(folder) && readdirSync(join(specsDir, folder)).length === 0) {
    rmdirSync(join(specsDir, folder));
    view.stateDir.writeJson(CREATED_FOLDERS, made.filter((d) => d !== folder));
    folderRemoved = true;
  }
  const singular = view.registry.resolveKind(kind)?.singular ?? kind.toLowerCase();
  return `${singular}/${name} deleted from ${res.file}${res.fileRemoved ? ` (the file held nothing else and was removed${folderRemoved ? `, and so was ${folder}/, which hostplane had created` : ''})` : ''}; hostplane removes what it created after the grace period`;
}
