// The part of kubectl's JSONPath that CRD printer columns use:
//   .a.b   .a[0]   .a[*]   .a['key.with.dots']   .a[?(@.type=="Ready")].status   (and optional {…} braces)
// Filters compare one field (or nested field) of each element with a string, number or boolean
// literal using == or !=.

type Step =
  | { t: 'field'; name: string }
  | { t: 'index'; index: number }
  | { t: 'wildcard' }
  | { t: 'filter'; path: string[]; op: '==' | '!='; value: unknown };

const cache = new Map<string, Step[]>();

function parse(jsonPath: string): Step[] {
  const hit = cache.get(jsonPath);
  if (hit) return hit;
  let s = jsonPath.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  if (s.startsWith('$')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`invalid JSONPath ${JSON.stringify(jsonPath)}: ${why} at ${i}`);
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i + 1));
      if (!m) {
        if (s[i + 1] === '*') {
          steps.push({ t: 'wildcard' });
          i += 2;
          continue;
        }
        fail('expected a field name');
      }
      steps.push({ t: 'field', name: m![0] });
      i += 1 + m![0].length;
    } else if (c === '[') {
      const end = findClose(s, i);
      if (end < 0) fail('unclosed [');
      const inner = s.slice(i + 1, end).trim();
      if (inner === '*') steps.push({ t: 'wildcard' });
      else if (/^-?[0-9]+$/.test(inner)) steps.push({ t: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ t: 'field', name: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const m = /^@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(.+)$/.exec(inner.slice(2, -1).trim());
        if (!m) fail('unsupported filter');
        steps.push({ t: 'filter', path: m![1].slice(1).split('.'), op: m![2] as '==' | '!=', value: literal(m![3].trim(), fail) });
      } else fail(`unsupported subscript [${inner}]`);
      i = end + 1;
    } else fail(`unexpected '${c}'`);
  }
  cache.set(jsonPath, steps);
  return steps;
}

function findClose(s: string, open: number): number {
  let quote = '';
  for (let j = open + 1; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ']') return j;
  }
  return -1;
}

function literal(text: string, fail: (why: string) => never): unknown {
  if (/^".*"$|^'.*'$/.test(text)) return text.slice(1, -1);
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text);
  return fail(`unsupported literal ${text}`);
}

function get(v: unknown, name: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined;
}

/**
 * Evaluates a printer-column JSONPath. Returns undefined when nothing matches, the value when one
 * thing matches, and an array when a wildcard or filter matches several.
 */
export function evalJsonPath(obj: unknown, jsonPath: string): unknown {
  const { nodes, multi } = walk(obj, jsonPath);
  if (nodes.length === 0) return undefined;
  if (nodes.length === 1) return nodes[0];
  return multi ? nodes : nodes[0];
}

/** Every node a JSONPath matches, in order (kubectl's `-o jsonpath` prints them space-separated). */
export function evalJsonPathAll(obj: unknown, jsonPath: string): unknown[] {
  return walk(obj, jsonPath).nodes;
}

function walk(obj: unknown, jsonPath: string): { nodes: unknown[]; multi: boolean } {
  let nodes: unknown[] = [obj];
  let multi = false;
  for (const step of parse(jsonPath)) {
    const next: unknown[] = [];
    for (const n of nodes) {
      if (n === undefined || n === null) continue;
      switch (step.t) {
        case 'field': {
          const v = get(n, step.name);
          if (v !== undefined) next.push(v);
          break;
        }
        case 'index':
          if (Array.isArray(n)) {
            const v = n[step.index < 0 ? n.length + step.index : step.index];
            if (v !== undefined) next.push(v);
          }
          break;
        case 'wildcard':
          multi = true;
          if (Array.isArray(n)) next.push(...n);
          else if (typeof n === 'object') next.push(...Object.values(n as object));
          break;
        case 'filter':
          multi = true;
          if (Array.isArray(n)) {
            for (const el of n) {
              const v = step.path.reduce<unknown>((acc, k) => get(acc, k), el);
              if (v !== undefined && (v === step.value) === (step.op === '==')) next.push(el);
            }
          }
          break;
      }
    }
    nodes = next;
  }
  return { nodes, multi };
}
