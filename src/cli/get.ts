// `hostplane get`: kubectl's listing over the lab view — several kinds, selectors, and every output form.
import { stringify } from 'yaml';
import type { HostObject } from '../api/types.js';
import type { KindInfo } from '../api/schema.js';
import { table, type Painter } from './format.js';
import { objectRow, printedColumns } from './watch.js';
import { customColumns, labelColumnHeader, labelsCell, renderTemplate, sortBy, type OutputSpec } from './output.js';
import type { TargetGroup } from './targets.js';
import { selectObjects, type NotFoundError, type Selection } from './targets.js';
import type { LabView } from './view.js';

export interface GetFlags extends Selection {
  output: OutputSpec;
  sortBy?: string;
  showLabels?: boolean;
  labelColumns?: string[];
}

/** `virtualmachine/dev-master`: the form -o name prints and every command accepts back. */
export function objectName(info: KindInfo, o: HostObject): string {
  return `${info.singular}/${o.metadata.name}`;
}

function asList(items: HostObject[]): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
}

/**
 * Prints what `get` shows; returns whether anything was found (for the "No … found" line) and the
 * named objects that do not exist (as kubectl, the others are printed all the same).
 */
export function renderGet(view: LabView, groups: TargetGroup[], multiKind: boolean, flags: GetFlags, out: (s: string) => void, paint: Painter): { found: number; missing: NotFoundError[] } {
  const missing: NotFoundError[] = [];
  const shown = renderSelected(selectObjects(view, groups, flags, missing), groups, multiKind, flags, out, paint);
  return { ...shown, missing };
}

function renderSelected(picked: { info: KindInfo; items: HostObject[] }[], groups: TargetGroup[], multiKind: boolean, flags: GetFlags, out: (s: string) => void, paint: Painter): { found: number } {
  const selected = picked.map((g) => ({ ...g, items: flags.sortBy ? sortBy(g.items, flags.sortBy) : g.items }));
  const all = selected.flatMap((g) => g.items);
  const single = !multiKind && groups.length === 1 && groups[0]!.names?.length === 1 && !flags.selector && !flags.fieldSelector;
  const o = flags.output;
  switch (o.form) {
    case 'json':
    case 'yaml': {
      const doc = single ? all[0] : asList(all);
      if (doc === undefined) return { found: 0 }; // the one object named does not exist
      out(o.form === 'json' ? JSON.stringify(doc, null, 2) : stringify(doc).trimEnd());
      return { found: all.length };
    }
    case 'name':
      for (const g of selected) for (const x of g.items) out(objectName(g.info, x));
      return { found: all.length };
    case 'jsonpath': {
      if (single && !all.length) return { found: 0 };
      const text = renderTemplate(o.template, single ? all[0] : asList(all));
      if (text) out(text);
      return { found: all.length };
    }
    case 'custom-columns': {
      if (!all.length) return { found: 0 };
      const t = customColumns(all, o.columns);
      out(table(t.header, t.rows));
      return { found: all.length };
    }
    default: {
      const blocks: string[] = [];
      for (const g of selected) {
        if (!g.items.length) continue;
        const cols = printedColumns(g.info, o.form === 'wide' ? 'wide' : 'table');
        const extraHeads = (flags.labelColumns ?? []).map(labelColumnHeader);
        const header = [multiKind ? 'NAME' : 'NAME', ...cols.map((c) => c.name.toUpperCase()), ...extraHeads, ...(flags.showLabels ? ['LABELS'] : [])];
        const rows = g.items.map((x) => {
          const row = objectRow(x, cols, paint);
          if (multiKind) row[0] = `${g.info.singular}/${row[0]}`;
          for (const key of flags.labelColumns ?? []) row.push(x.metadata.labels?.[key] ?? '');
          if (flags.showLabels) row.push(labelsCell(x));
          return row;
        });
        blocks.push(table(header, rows));
      }
      if (blocks.length) out(blocks.join('\n\n'));
      return { found: all.length };
    }
  }
}
