// When deleting objects whose specs vanished must wait for a person (DESIGN.md §5: never delete
// because of a half-finished checkout, a wrong directory or a truncated file).
//
// Rules: a change that would delete every object (even the only one), or more than half of them
// when that is more than one, or every object of one kind (more than one), or an object another
// object that stays still names, pauses deletion until `hostplane confirm-deletions`. Deletions a
// person asked for by name (`hostplane delete`, `DELETE /api/v1/...`) are announced beforehand as
// intents in the state dir and do not count.
import { referencesOf, type ReferenceRule } from '../api/references.js';
import { objectKey, type HostObject } from '../api/types.js';
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

/** What the guard looks at: the objects about to go, the ones that stay, and each kind's reference rules. */
export interface DeletionBatch {
  pending: readonly Pick<HostObject, 'kind' | 'metadata'>[];
  staying: readonly Pick<HostObject, 'kind' | 'metadata' | 'spec'>[];
  referenceRules?: (kind: string) => readonly ReferenceRule[];
  /** Kinds that hold their own deletion until no object references them: not paused for references. */
  waitsForReferrers?: (kind: string) => boolean;
}

/**
 * Why a batch of deletions must wait, or undefined. Beyond the count over all objects: every object
 * of one kind going at once (when more than one), and an object that another, staying, object still
 * names (a VM its Cluster uses) — a moved file or a half checkout, not a decision.
 */
export function deletionBatchReason(batch: DeletionBatch, policy: MassDeletionPolicy = DEFAULT_MASS_DELETION): string | undefined {
  const total = batch.pending.length + batch.staying.length;
  const overall = massDeletionReason(batch.pending.length, total, policy);
  if (overall) return overall;
  const byKind = new Map<string, number>();
  for (const o of batch.pending) byKind.set(o.kind, (byKind.get(o.kind) ?? 0) + 1);
  for (const [kind, count] of [...byKind].sort()) {
    if (count >= 2 && !batch.staying.some((o) => o.kind === kind)) {
      return `all ${count} ${kind} objects would be deleted at once; this looks like a moved or emptied file or a half-finished checkout`;
    }
  }
  if (batch.referenceRules) {
    const going = new Set(batch.pending.map((o) => objectKey(o.kind, o.metadata.name)));
    for (const o of batch.staying) {
      for (const ref of referencesOf(o, batch.referenceRules(o.kind))) {
        if (going.has(ref.key) && !batch.waitsForReferrers?.(parseKind(ref.key))) {
          return `${ref.key} would be deleted while ${objectKey(o.kind, o.metadata.name)} still uses it (${ref.field}); remove that reference first, or bring the spec back`;
        }
      }
    }
  }
  return undefined;
}

const parseKind = (key: string) => key.slice(0, key.indexOf('/'));

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
