// `stop` writes spec.powerState: Stopped; `start` must put the file back as it was. When the field
// was absent before `stop` (the default, Running, applies), that fact is remembered in the state
// dir and `start` removes the field instead of writing `powerState: Running`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { StateDir } from '../controllers/state-dir.js';

const marker = (kind: string, name: string) => join('spec-edits', kind, `${name}.json`);

/** Before `stop`: records that kind/name's document in `file` has no spec.powerState. */
export function rememberAbsent(dir: StateDir, specsDir: string, file: string, kind: string, name: string): void {
  let docs;
  try {
    docs = parseAllDocuments(readFileSync(join(specsDir, file), 'utf8'));
  } catch {
    return;
  }
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    const js = d.toJS() as { kind?: string; metadata?: { name?: string } } | null;
    if (js?.kind !== kind || js.metadata?.name !== name) continue;
    if (!d.hasIn(['spec', 'powerState'])) dir.writeJson(marker(kind, name), { absent: ['spec.powerState'] });
    return;
  }
}

export function absentBeforeStop(dir: StateDir, kind: string, name: string): boolean {
  return dir.readJson<{ absent?: string[] }>(marker(kind, name))?.absent?.includes('spec.powerState') === true;
}

export function forgetAbsent(dir: StateDir, kind: string, name: string): void {
  if (dir.exists(marker(kind, name))) dir.remove(marker(kind, name));
}
