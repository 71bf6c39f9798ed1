// What a command's arguments name, as kubectl reads them: `vm NAME…`, `vm/NAME …`, `vms,clusters`,
// `all`. An unknown kind is refused the same way (wording and exit code) by every command.
import type { HostObject, Kind } from '../api/types.js';
import type { KindInfo } from '../api/schema.js';
import { KIND_MODULES } from '../reconcilers/index.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from '../api/selectors.js';
import type { LabView } from './view.js';

/** A mistake in how the command was called: exit 2. */
export class UsageError extends Error {}
/** The object named does not exist: exit 4. */
export class NotFoundError extends Error {}

/** `virtualmachine (vm), cluster (cl), …`: the kinds as the kind modules name them. */
export const kindList = (): string => KIND_MODULES.map((m) => `${m.kind.toLowerCase()}${m.shortNames[0] ? ` (${m.shortNames[0]})` : ''}`).join(', ');

/** The one refusal of an unknown kind, used by every command (exit 2). */
export function unknownKind(word: string): UsageError {
  return new UsageError(`the server doesn't have a resource type "${word}"; kinds: ${kindList()}`);
}

interface Resolver {
  registry: { resolveKind(w: string): KindInfo | undefined; kinds(): readonly KindInfo[] };
}

export function resolveKindWord(view: Resolver, word: string): KindInfo {
  const info = view.registry.resolveKind(word);
  if (!info) throw unknownKind(word);
  return info;
}

/** One kind and, when named, its objects. */
export interface TargetGroup {
  info: KindInfo;
  names?: string[];
}

/**
 * Reads `KIND[,KIND…] [NAME…]`, `all`, or `KIND/NAME …`. Returns one group per kind, in the order
 * asked (`all`: every kind in the kind list's order).
 */
export function resolveTargets(view: Resolver, words: readonly string[]): { groups: TargetGroup[]; multiKind: boolean } {
  if (!words.length || !words[0]) throw new UsageError(`name a kind: ${kindList()}`);
  if (words[0].includes('/')) {
    const groups: TargetGroup[] = [];
    for (const w of words) {
      const slash = w.indexOf('/');
      if (slash < 0) throw new UsageError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (got "${w}")`);
      const info = resolveKindWord(view, w.slice(0, slash));
      const name = w.slice(slash + 1);
      if (!name) throw new UsageError(`name the ${info.kind} after the slash (${w}NAME)`);
      const g = groups.find((x) => x.info.kind === info.kind);
      if (g) g.names!.push(name);
      else groups.push({ info, names: [name] });
    }
    return { groups, multiKind: groups.length > 1 };
  }
  const kindWords = words[0].split(',').filter(Boolean);
  const infos: KindInfo[] = [];
  for (const k of kindWords) {
    const list = k === 'all' ? [...view.registry.kinds()] : [resolveKindWord(view, k)];
    for (const i of list) if (!infos.some((x) => x.kind === i.kind)) infos.push(i);
  }
  const names = words.slice(1);
  if (names.length && infos.length > 1) throw new UsageError(`a name can only be given with one kind (got ${words[0]} ${names.join(' ')}); use KIND/NAME for several`);
  return { groups: infos.map((info) => (names.length ? { info, names } : { info })), multiKind: infos.length > 1 || kindWords.includes('all') };
}

export interface Selection {
  selector?: string;
  fieldSelector?: string;
}

/**
 * The objects the groups name, filtered by the selectors; a named object that does not exist is
 * NotFound, or, when `missing` is given, is added to it (with its NotFound) and the others are still returned.
 */
export function selectObjects(view: LabView, groups: readonly TargetGroup[], sel: Selection, missing?: NotFoundError[]): { info: KindInfo; items: HostObject[] }[] {
  let labels;
  let fields;
  try {
    labels = parseLabelSelector(sel.selector ?? '');
    fields = parseFieldSelector(sel.fieldSelector ?? '');
  } catch (e) {
    if (e instanceof SelectorError) throw new UsageError(e.message);
    throw e;
  }
  return groups.map(({ info, names }) => {
    const items = names
      ? names.flatMap((n) => {
          if (!missing) return [mustGet(view, info.kind, n)];
          try {
            return [mustGet(view, info.kind, n)];
          } catch (e) {
            if (!(e instanceof NotFoundError)) throw e;
            missing.push(e);
            return [];
          }
        })
      : view.store.list(info.kind);
    return { info, items: items.filter((o) => matchesLabels(o.metadata.labels, labels) && matchesFields(o, fields)) };
  });
}

export function mustGet(view: LabView, kind: Kind, name: string | undefined): HostObject {
  if (!name) throw new UsageError(`name the ${kind}`);
  const obj = view.store.get(kind, name);
  if (!obj) throw new NotFoundError(`${kind} "${name}" not found in the specs or the state directory`);
  return obj;
}
