// When deleting objects whose specs vanished must wait for a person (DESIGN.md §5: never delete
// because of a half-finished checkout, a wrong directory or a truncated file).
//
// Rules: a change that would delete every object (even the only one), or more than half of them
// when that is more than one, pauses deletion until `hostplane confirm-deletions`. Deletions a
// person asked for by name (`hostplane delete`, `DELETE /api/v1/...`) are announced beforehand as
// intents in the state dir and do not count.
import type { StateDir } from './state-dir.js';

export interface MassDeletionPolicy {
  /** Pending deletions above this fraction of all live objects pause deletion… */
  fraction: number;
  /** …when they are at least this many. Deleting every object pauses whatever the count. */
  minObjects: number;
}

export const DEFAULT_MASS_DELETION: MassDeletionPolicy = { fraction: 0.5, minObjects: 2 };

/** Why deleting `count` of `total` live objects at once must wait, or undefined when it may go ahead. */
export function massDeletionReason(count: number, total: number, policy: MassDeletionPolicy = DEFAULT_MASS_DELETION): string | undefined {
  if (count <= 0) return undefined;
  if (count >= total) {
    return `all ${total} ${total === 1 ? 'object' : 'objects'} would be deleted at once; this looks like a half-finished checkout, an emptied file or a wrong specs directory`;
  }
  if (count >= policy.minObjects && count > policy.fraction * total) {
    return `${count} of ${total} objects would be deleted at once (more than ${Math.round(policy.fraction * 100)}%); this looks like a half-finished checkout or a wrong directory`;
  }
  return undefined;
}

/** Deletions a person asked for by name: not held back by the mass-deletion guard. */
export interface DeletionIntents {
  intended(key: string): boolean;
  /** The object was marked deleting: the intent is used up. */
  done?(key: string): void;
}

const INTENTS_DIR = 'requests/delete';
/** An intent older than this is stale (the edit it announced failed or was undone). */
const INTENT_TTL_MS = 10 * 60_000;

function intentFile(key: string): string {
  const [kind, name] = key.split('/');
  return `${INTENTS_DIR}/${kind}.${name}`;
}

/** Announces, before the spec edit, that `key`'s deletion is asked for by a person. */
export function recordDeletionIntent(dir: StateDir, key: string, now = Date.now()): void {
  dir.writeJson(intentFile(key), { key, at: new Date(now).toISOString() });
}

/** Intents read from the state dir (written by the CLI or the API, maybe in another process). */
export class StateDirDeletionIntents implements DeletionIntents {
  constructor(private readonly dir: StateDir, private readonly now: () => number = Date.now) {}

  intended(key: string): boolean {
    const rec = this.dir.readJson<{ key?: string; at?: string }>(intentFile(key));
    if (!rec || rec.key !== key) return false;
    const at = Date.parse(rec.at ?? '');
    return Number.isFinite(at) && this.now() - at <= INTENT_TTL_MS;
  }

  done(key: string): void {
    this.dir.remove(intentFile(key));
  }

}
