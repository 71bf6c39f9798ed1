// A small re-implementation of the parts of swift-argument-parser 1.6.1 that tart's command line
// shows to scripts: the synopsis ("Usage:" line), the error messages and their exit codes.
// Facts from swift-argument-parser's UsageGenerator.swift, MessageInfo.swift and
// ErrorMessageGenerator (see reference/tart.md §0 for how tart prints them).

export type ValueType = 'string' | 'uint' | 'uint16' | 'uint64' | { enum: string[] };

export interface OptionSpec {
  /** Long name without dashes, e.g. `net-softnet-allow`. */
  long: string;
  short?: string;
  kind: 'flag' | 'option';
  /** `<value-name>` in messages; defaults to the long name. */
  valueName?: string;
  type?: ValueType;
  repeating?: boolean;
  /** Hidden options parse but appear neither in usage nor in suggestions. */
  hidden?: boolean;
  /** Options with a default (or optional values) print as `[--x <x>]`; all tart options are optional. */
  help: string;
}

export interface PositionalSpec {
  name: string;
  valueName: string;
  help: string;
  repeating?: boolean;
  optional?: boolean;
}

export interface CommandSpec {
  name: string;
  abstract: string;
  positionals: PositionalSpec[];
  options: OptionSpec[];
  /** Everything after the last positional is passed through unparsed (tart exec). */
  passthroughAfterPositionals?: boolean;
}

export interface Parsed {
  positionals: Record<string, string[]>;
  flags: Set<string>;
  options: Record<string, string[]>;
  rest: string[];
}

/** An error that swift-argument-parser prints with the usage block and exit code 64. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
  }
}

/** Any other error printed as `Error: <message>` with exit code 1 (ArgumentParser's `.other`). */
export class PlainError extends Error {}

/** A tart RuntimeError thrown from `run()`: printed bare, exit 2 or 1 (tart.md §0 case 1). */
export class RuntimeError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/** Exit without an error message (e.g. help printed). */
export class CleanExit extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

function optionSynopsis(o: OptionSpec): string {
  const base = o.kind === 'flag' ? `--${o.long}` : `--${o.long} <${o.valueName ?? o.long}>`;
  return `[${base}${o.repeating ? ' ...' : ''}]`;
}

function positionalSynopsis(p: PositionalSpec): string {
  let s = `<${p.valueName}>`;
  if (p.repeating) s += ' ...';
  if (p.optional) s = `[${s}]`;
  return s;
}

/** UsageGenerator.synopsis: more than 12 visible arguments collapse into `[<options>]`. */
export function synopsis(spec: CommandSpec): string {
  const tool = spec.name === '' ? 'tart' : `tart ${spec.name}`;
  // Declaration order in tart's Swift structs: positionals are declared first in every command
  // this simulator implements, so the order here matches.
  const visible = spec.options.filter((o) => !o.hidden);
  const count = spec.positionals.length + visible.length;
  if (count === 0) return tool;
  if (count > 12) {
    const kept = spec.positionals.filter(() => true).map(positionalSynopsis);
    return kept.length > 0 && kept.length <= 12 ? `${tool} [<options>] ${kept.join(' ')}` : `${tool} <options>`;
  }
  return `${tool} ${[...spec.positionals.map(positionalSynopsis), ...visible.map(optionSynopsis)].join(' ')}`;
}

export function usageBlock(spec: CommandSpec, hasSubcommands = false): string {
  let usage = synopsis(spec);
  if (hasSubcommands) usage += ' <subcommand>';
  const cmd = spec.name === '' ? 'tart' : `tart ${spec.name}`;
  return `Usage: ${usage}\n  See '${cmd} --help' for more information.`;
}

/** The full stderr text ArgumentParser prints for a validation/parse failure. */
export function renderUsageError(spec: CommandSpec, err: UsageError, hasSubcommands = false): string {
  const help = err.help ? `Help:  ${err.help}\n` : '';
  return `Error: ${err.message}\n${help}${usageBlock(spec, hasSubcommands)}\n`;
}

export function renderHelp(spec: CommandSpec): string {
  const lines: string[] = [`OVERVIEW: ${spec.abstract}`, '', `USAGE: ${synopsis(spec)}`, ''];
  if (spec.positionals.length > 0) {
    lines.push('ARGUMENTS:');
    for (const p of spec.positionals) lines.push(`  <${p.valueName}>`.padEnd(26) + p.help);
    lines.push('');
  }
  lines.push('OPTIONS:');
  for (const o of spec.options.filter((x) => !x.hidden)) {
    const names = (o.short ? `-${o.short}, ` : '') + `--${o.long}` + (o.kind === 'option' ? ` <${o.valueName ?? o.long}>` : '');
    lines.push(`  ${names}`.padEnd(26) + o.help);
  }
  lines.push('  -h, --help'.padEnd(26) + 'Show help information.');
  return lines.join('\n');
}

/** Levenshtein distance, as StringExtensions.editDistance computes it. */
function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) return Math.max(m, n);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n];
}

function unknownOption(spec: CommandSpec, raw: string): UsageError {
  if (!raw.startsWith('--')) return new UsageError(`Unknown option '${raw}'`);
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of spec.options) {
    if (o.hidden) continue;
    const cand = `--${o.long}`;
    const d = editDistance(cand, raw);
    if (d < 4 && d < bestD) {
      best = cand;
      bestD = d;
    }
  }
  return new UsageError(best ? `Unknown option '${raw}'. Did you mean '${best}'?` : `Unknown option '${raw}'`);
}

function checkValue(o: OptionSpec, value: string): void {
  const t = o.type ?? 'string';
  const name = `--${o.long} <${o.valueName ?? o.long}>`;
  const bad = (suffix = '') => new UsageError(`The value '${value}' is invalid for '${name}'${suffix}`, `${name}  ${o.help}`);
  if (t === 'string') return;
  if (typeof t === 'object') {
    if (!t.enum.includes(value)) {
      const q = t.enum.map((v) => `'${v}'`);
      const list = q.length <= 2 ? q.join(' and ') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
      throw bad(`. Please provide one of ${list}.`);
    }
    return;
  }
  const m = /^\+?([0-9]+)$/.exec(value);
  if (!m) throw bad();
  const n = BigInt(m[1]);
  const max = t === 'uint16' ? 65535n : t === 'uint64' || t === 'uint' ? 18446744073709551615n : 0n;
  if (n > max) throw bad();
}

/** Parses argv for one subcommand the way swift-argument-parser does, throwing UsageError. */
export function parse(spec: CommandSpec, argv: string[]): Parsed {
  const out: Parsed = { positionals: {}, flags: new Set(), options: {}, rest: [] };
  const values: string[] = [];
  const byLong = new Map(spec.options.map((o) => [o.long, o]));
  const byShort = new Map(spec.options.filter((o) => o.short).map((o) => [o.short as string, o]));
  let i = 0;
  let terminated = false;
  const positionalsNeeded = spec.positionals.length;
  while (i < argv.length) {
    const a = argv[i++];
    if (spec.passthroughAfterPositionals && values.length >= positionalsNeeded) {
      out.rest.push(a, ...argv.slice(i));
      break;
    }
    if (terminated || a === '-' || !a.startsWith('-')) {
      values.push(a);
      continue;
    }
    if (a === '--') {
      terminated = true;
      continue;
    }
    if (a === '--help' || a === '-h') throw new CleanExit(renderHelp(spec));
    let o: OptionSpec | undefined;
    let inline: string | undefined;
    let shown = a;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (eq >= 0) inline = a.slice(eq + 1);
      shown = `--${name}`;
      o = byLong.get(name);
    } else {
      const name = a.slice(1);
      o = name.length === 1 ? byShort.get(name) : undefined;
      if (!o && name.length > 1) {
        // Combined short flags such as -qi are not used by tart scripts; treat as unknown.
        throw new UsageError(`Unknown option '-${name[0]}'`);
      }
    }
    if (!o) throw unknownOption(spec, shown);
    if (o.kind === 'flag') {
      if (inline !== undefined) {
        throw new UsageError(`The option '--${o.long}' does not take any value, but '${inline}' was specified.`);
      }
      out.flags.add(o.long);
      continue;
    }
    let v = inline;
    if (v === undefined) {
      const next = argv[i];
      if (next === undefined || (next.startsWith('-') && next.length > 1)) {
        const vn = `--${o.long} <${o.valueName ?? o.long}>`;
        throw new UsageError(`Missing value for '${vn}'`, `${vn}  ${o.help}`);
      }
      v = next;
      i++;
    }
    checkValue(o, v);
    const list = (out.options[o.long] ??= []);
    if (o.repeating) list.push(v);
    else out.options[o.long] = [v];
  }
  // Assign positionals.
  let vi = 0;
  for (const p of spec.positionals) {
    if (p.repeating) {
      out.positionals[p.name] = values.slice(vi);
      vi = values.length;
    } else if (vi < values.length) {
      out.positionals[p.name] = [values[vi++]];
    } else {
      out.positionals[p.name] = [];
    }
    if (!p.optional && out.positionals[p.name].length === 0) {
      throw new UsageError(`Missing expected argument '<${p.valueName}>${p.repeating ? ' ...' : ''}'`, `<${p.valueName}>  ${p.help}`);
    }
  }
  const extra = values.slice(vi);
  if (extra.length === 1) throw new UsageError(`Unexpected argument '${extra[0]}'`);
  if (extra.length > 1) throw new UsageError(`${extra.length} unexpected arguments: '${extra.join("', '")}'`);
  return out;
}

export function one(p: Parsed, name: string): string {
  return p.positionals[name][0];
}

export function opt(p: Parsed, long: string): string | undefined {
  return p.options[long]?.[0];
}
