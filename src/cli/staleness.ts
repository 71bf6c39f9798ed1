// Status read from the state dir while no `hostplane up` runs is a snapshot, not live: say so once,
// on stderr (stdout stays what scripts parse), with the time of the newest status written.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LabView } from './view.js';

/** The newest modification time of a status record or the event log, if the state dir has any. */
export function statusWrittenAt(stateRoot: string): Date | undefined {
  let newest = 0;
  const consider = (f: string) => {
    try {
      newest = Math.max(newest, statSync(f).mtimeMs);
    } catch {
      /* gone meanwhile */
    }
  };
  const objects = join(stateRoot, 'objects');
  let kinds: string[] = [];
  try {
    kinds = readdirSync(objects);
  } catch {
    return undefined;
  }
  for (const k of kinds) {
    let files: string[] = [];
    try {
      files = readdirSync(join(objects, k));
    } catch {
      continue;
    }
    for (const f of files) if (f.endsWith('.json')) consider(join(objects, k, f));
  }
  if (!newest) return undefined;
  consider(join(stateRoot, 'events.json'));
  return new Date(newest);
}

function hhmmss(d: Date): string {
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** The one line to print when status comes from a state dir no running `up` keeps current (else undefined). */
export function staleNote(view: Pick<LabView, 'upPid' | 'stateDir'>): string | undefined {
  if (view.upPid) return undefined;
  const at = statusWrittenAt(view.stateDir.root);
  return at ? `status as of ${hhmmss(at)}; hostplane up is not running` : undefined;
}
