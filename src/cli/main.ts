// The `hostplane` command: kubectl's habits over a specs directory and a state directory.
import { parseArgs } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { HostObject, Kind } from '../api/types.js';
import { loadSchemaRegistry, type KindInfo } from '../api/schema.js';
import { getCondition } from '../reconcilers/conditions.js';
import { StateDir } from '../controllers/state-dir.js';
import { submitSimRequest } from '../providers/sim/sim-world.js';
import { CONFIRM_DELETIONS } from '../controllers/manager.js';
import { age, conditionRows, painter, table, type Painter } from './format.js';
import { openView, type LabView } from './view.js';
import { objectRow, printedColumns, watchGet, type GetOutput } from './watch.js';
import { followLogs, printLogs, type LogFile } from './follow.js';
import { parseListen } from '../api/server.js';
import { up, type UpOptions } from './up.js';
import { applyFile, deleteFromSpecs } from './apply.js';

const USAGE = `hostplane — a control plane for this host's VMs, clusters, add-ons and load tests

Usage:
  hostplane up [--specs DIR] [--state DIR] [--provider auto|sim|tart|qemu] [--listen HOST:PORT|off]
               [--poll 30s] [--resync 10h] [--grace 3s] [--workers 4] [--host-cpu N] [--host-memory GiB] [--sim-scale 1]
  hostplane get KIND [NAME] [-o wide|yaml|json] [-w|--watch] [--watch-only]
                                          -w: print the table, then a row each time an object's row changes
                                          (deleted ones too) until Ctrl-C; --watch-only: the changes only;
                                          with -o json|yaml one object per change
  hostplane describe KIND NAME
  hostplane events [KIND/NAME]
  hostplane explain KIND[.field.path] [--recursive]
  hostplane logs vm/NAME [-f|--follow] [--tail N]
                                          console, provisioning and provider-command logs; -f: keep printing what is appended
                                          (waits for files that do not exist yet) until Ctrl-C; --tail N: the
                                          last N lines of each file (-1, the default, for all)
  hostplane apply -f FILE|-               write the documents into the specs (an existing object in place, comments kept)
  hostplane delete KIND/NAME              remove the object's document from its spec file
  hostplane stop|start KIND/NAME          set spec.powerState in the spec file (comments kept)
  hostplane wait KIND/NAME --for=condition=Ready [--timeout=5m]
  hostplane confirm-deletions             delete the objects whose specs vanished all at once (deletion was paused)
  hostplane sim kill|delete|foreign vm/NAME  act on the sim host's world behind hostplane's back

Common flags: --specs DIR (default ./specs), --state DIR (default .hostplane beside the specs), --no-color
Kinds: virtualmachine (vm), cluster (cl), addon (ad), loadtest (lt); plural and singular forms work.`;

/** Exit codes scripts can trust. */
export const EXIT = { ok: 0, error: 1, usage: 2, locked: 3, notFound: 4, timeout: 5 } as const;

const OPTIONS = {
  specs: { type: 'string' },
  state: { type: 'string' },
  provider: { type: 'string', default: 'auto' },
  listen: { type: 'string', default: '127.0.0.1:7780' },
  output: { type: 'string', short: 'o' },
  filename: { type: 'string', short: 'f' },
  'no-color': { type: 'boolean' },
  recursive: { type: 'boolean' },
  for: { type: 'string' },
  timeout: { type: 'string', default: '5m' },
  workers: { type: 'string' },
  grace: { type: 'string' },
  poll: { type: 'string' },
  resync: { type: 'string' },
  'sim-scale': { type: 'string' },
  'host-cpu': { type: 'string' },
  'host-memory': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  watch: { type: 'boolean', short: 'w' },
  'watch-only': { type: 'boolean' },
  follow: { type: 'boolean' },
  tail: { type: 'string', default: '-1' },
} as const;

/**
 * kubectl's `-f` is --filename for most verbs and --follow for `logs`: the verb decides. The verb is
 * the first word that is neither a flag nor the value of a flag that takes one.
 */
export function normalizeArgv(argv: string[]): string[] {
  const valued = new Set<string>();
  for (const [name, o] of Object.entries(OPTIONS) as [string, { type: string; short?: string }][]) {
    if (o.type !== 'string') continue;
    valued.add(`--${name}`);
    if (o.short) valued.add(`-${o.short}`);
  }
  let verb: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a.startsWith('-') && a.length > 1) {
      if (valued.has(a)) i++;
      continue;
    }
    verb = a;
    break;
  }
  return verb === 'logs' ? argv.map((a) => (a === '-f' ? '--follow' : a)) : argv;
}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + '\n'), err: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: normalizeArgv(argv), allowPositionals: true, options: OPTIONS });
  } catch (e) {
    err(`error: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values: f, positionals: args } = parsed;
  const paint = painter(!f['no-color'] && !process.env.NO_COLOR && process.stdout.isTTY === true);
  const specs = resolve(f.specs ?? 'specs');
  const state = resolve(f.state ?? join(dirname(specs), '.hostplane'));
  const [verb, ...rest] = args;
  if (f.version || verb === 'version') {
    out(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    return EXIT.ok;
  }
  if (f.help || !verb || verb === 'help') {
    out(USAGE);
    return verb || f.help ? EXIT.ok : EXIT.usage;
  }
  try {
    switch (verb) {
      case 'up': {
        const provider = f.provider as 'auto' | 'sim' | 'tart' | 'qemu';
        if (!['auto', 'sim', 'tart', 'qemu'].includes(provider)) throw new UsageError(`--provider must be auto, sim, tart or qemu (got ${provider})`);
        // Every flag is checked before the specs directory, so a bad flag is named even when both are wrong.
        if (f.listen !== 'off') {
          try {
            parseListen(f.listen!);
          } catch (e) {
            throw new UsageError(e instanceof Error ? e.message : String(e));
          }
        }
        const upOptions: UpOptions = {
          specs,
          state,
          provider,
          listen: f.listen === 'off' ? false : f.listen!,
          workers: num(f.workers),
          graceMs: f.grace ? parseDuration(f.grace) : undefined,
          pollIntervalMs: f.poll ? atLeast('--poll', parseDuration(f.poll), 1_000) : undefined,
          resyncPeriodMs: f.resync ? atLeast('--resync', parseDuration(f.resync), 60_000) : undefined,
          simScale: num(f['sim-scale']),
          hostCpu: num(f['host-cpu']),
          hostMemoryMiB: f['host-memory'] ? Math.round(Number.parseFloat(f['host-memory']) * 1024) : undefined,
        };
        if (!existsSync(specs)) throw new UsageError(`specs directory ${specs} does not exist (pass --specs DIR)`);
        return await up(upOptions, paint, out);
      }
      case 'get': {
        if (!f.watch && !f['watch-only']) return await get(await openView(specs, state), rest, f.output, out, paint);
        const registry = loadSchemaRegistry();
        const view = await openView(specs, state, registry);
        const { info, name } = target(view, rest);
        if (name) mustGet(view, info.kind, name); // kubectl: watching an object that does not exist is NotFound
        return await watchGet({ specs, state, registry, info, name, output: getOutput(f.output), watchOnly: !!f['watch-only'], paint, out, err });
      }
      case 'describe':
        return await describe(await openView(specs, state), rest, out, paint);
      case 'events':
        return await events(await openView(specs, state), rest, out);
      case 'explain': {
        if (!rest[0]) throw new UsageError('explain needs a kind or field path, e.g. hostplane explain vm.spec.network');
        out(loadSchemaRegistry().explain(rest[0], { recursive: f.recursive }));
        return EXIT.ok;
      }
      case 'stop':
      case 'start':
        return await setPower(await openView(specs, state), specs, verb, rest, out);
      case 'logs':
        return await logs(await openView(specs, state), rest, { follow: !!f.follow, tail: tailLines(f.tail!) }, out, err);
      case 'wait':
        return await wait(specs, state, rest, f.for, f.timeout!, out, err);
      case 'sim':
        return sim(state, rest, out);
      case 'apply': {
        if (!f.filename) throw new UsageError('apply needs -f FILE (or -f - for standard input)');
        const res = await applyFile(await openView(specs, state), specs, f.filename);
        if (res.errors.length) {
          for (const e of res.errors) err(`error: ${e}`);
          err('nothing was written');
          return EXIT.error;
        }
        for (const l of res.lines) out(l);
        return EXIT.ok;
      }
      case 'delete': {
        const view = await openView(specs, state);
        const { info, name } = target(view, rest);
        mustGet(view, info.kind, name);
        out(await deleteFromSpecs(view, specs, info.kind, name!));
        return EXIT.ok;
      }
      case 'confirm-deletions': {
        const view = await openView(specs, state);
        if (!view.upPid) {
          err(`error: no hostplane up is running on ${state}; a confirmation only applies to a deletion pause that a running hostplane reported`);
          return EXIT.error;
        }
        const last = view.events().filter((e) => e.object === 'File/.').at(-1);
        if (last?.reason !== 'DeletionPaused') {
          err('error: no deletion is paused (hostplane events shows what the source reported)');
          return EXIT.error;
        }
        view.stateDir.writeJson(CONFIRM_DELETIONS, { at: new Date().toISOString(), confirming: last.message });
        out(`confirmed: ${last.message}\nthe running hostplane (pid ${view.upPid}) marks those objects for deletion within a second`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown command "${verb}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`error: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof NotFoundError) {
      err(`error: ${e.message}`);
      return EXIT.notFound;
    }
    err(`error: ${(e as Error).message}`);
    return EXIT.error;
  }
}

class UsageError extends Error {}
class NotFoundError extends Error {}

function num(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`"${v}" is not a number`);
  return n;
}

/** Accepts `vm NAME`, `vm/NAME`, `virtualmachines NAME` … */
function target(view: { registry: { resolveKind(w: string): KindInfo | undefined } }, words: string[]): { info: KindInfo; name?: string } {
  if (!words[0]) throw new UsageError('name a kind, e.g. vm, cluster, addon, loadtest');
  let [kindWord, name] = words;
  if (kindWord.includes('/')) [kindWord, name] = kindWord.split('/', 2);
  const info = view.registry.resolveKind(kindWord);
  if (!info) throw new UsageError(`unknown kind "${kindWord}"; kinds: virtualmachine (vm), cluster (cl), addon (ad), loadtest (lt)`);
  return { info, name };
}

function mustGet(view: LabView, kind: Kind, name: string | undefined): HostObject {
  if (!name) throw new UsageError(`name the ${kind}`);
  const obj = view.store.get(kind, name);
  if (!obj) throw new NotFoundError(`${kind} "${name}" not found in the specs or the state directory`);
  return obj;
}

function getOutput(o: string | undefined): GetOutput {
  if (o === undefined) return 'table';
  if (o === 'wide' || o === 'yaml' || o === 'json') return o;
  throw new UsageError(`-o must be wide, yaml or json (got ${o})`);
}

/** --tail N: kubectl's semantics, -1 for all lines. */
function tailLines(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < -1) throw new UsageError(`--tail must be a whole number of lines, or -1 for all (got ${v})`);
  return n;
}

async function get(view: LabView, words: string[], output: string | undefined, out: (s: string) => void, paint: Painter): Promise<number> {
  const { info, name } = target(view, words);
  const items = name ? [mustGet(view, info.kind, name)] : view.store.list(info.kind);
  if (output === 'json' || output === 'yaml') {
    const doc = name ? items[0] : { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
    out(output === 'json' ? JSON.stringify(doc, null, 2) : stringify(doc).trimEnd());
    return EXIT.ok;
  }
  const cols = printedColumns(info, getOutput(output));
  if (!items.length) {
    out(`No ${info.plural} found in ${view.store.specErrors().length ? 'the specs (there are spec errors: hostplane events)' : 'the specs'}.`);
    return EXIT.ok;
  }
  const header = ['NAME', ...cols.map((c) => c.name.toUpperCase())];
  const rows = items.map((o) => objectRow(o, cols, paint));
  out(table(header, rows));
  const sourceEvents = view.events().filter((e) => e.object === 'File/.');
  const lastSource = sourceEvents[sourceEvents.length - 1];
  if (view.upPid && lastSource?.reason === 'DeletionPaused') out(paint.yellow(`\nWARNING: ${lastSource.message}`));
  const errs = view.store.specErrors().filter((e) => !e.object || e.object.startsWith(info.kind + '/'));
  if (errs.length) out(paint.red(`\n${errs.length} spec error(s):\n`) + errs.map((e) => `  ${e.file}:${e.line}:${e.col} ${e.field ? e.field + ': ' : ''}${e.message}`).join('\n'));
  return EXIT.ok;
}

async function describe(view: LabView, words: string[], out: (s: string) => void, paint: Painter): Promise<number> {
  const { info, name } = target(view, words);
  const obj = mustGet(view, info.kind, name);
  const src = view.store.sourceOf(info.kind, obj.metadata.name);
  const gen = obj.metadata.generation ?? 1;
  const observed = obj.status?.observedGeneration;
  const lines = [
    `Name:                ${obj.metadata.name}`,
    `Kind:                ${obj.kind}`,
    `API Version:         ${obj.apiVersion}`,
    `Labels:              ${Object.entries(obj.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '<none>'}`,
    `UID:                 ${obj.metadata.uid}`,
    `Created:             ${obj.metadata.creationTimestamp} (${age(obj.metadata.creationTimestamp)} ago)`,
    `Generation:          ${gen}${observed !== undefined && observed !== gen ? paint.yellow(` (observed ${observed}: status is stale)`) : ''}`,
    `Source:              ${src ? `${src.file}:${src.line}:${src.col}` : '<not in the specs: deleting or only in the state dir>'}`,
    ...(obj.metadata.deletionTimestamp ? [`Deletion requested:  ${obj.metadata.deletionTimestamp}`] : []),
    `Phase:               ${obj.status?.phase ?? '<none>'}`,
    '',
    'Spec:',
    indent(stringify(obj.spec).trimEnd()),
    '',
    'Status:',
    indent(stringify(Object.fromEntries(Object.entries(obj.status ?? {}).filter(([k]) => k !== 'conditions'))).trimEnd() || '<none>'),
    '',
    'Conditions:',
    indent(table(['TYPE', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'], conditionRows(obj.status?.conditions))),
  ];
  const errs = view.store.specErrorsFor(info.kind, obj.metadata.name);
  if (errs.length) lines.push('', paint.red('Spec errors (the last valid spec is kept):'), ...errs.map((e) => `  ${e.file}:${e.line}:${e.col} ${e.field ? e.field + ': ' : ''}${e.message}`));
  const evs = view.events().filter((e) => e.object === `${info.kind}/${obj.metadata.name}`).slice(-20);
  lines.push('', 'Events:', evs.length ? indent(table(['TYPE', 'REASON', 'AGE', 'COUNT', 'MESSAGE'], evs.map((e) => [e.type, e.reason, age(e.lastTimestamp), String(e.count), e.message]))) : '  <none>');
  out(lines.join('\n'));
  return EXIT.ok;
}

async function events(view: LabView, words: string[], out: (s: string) => void): Promise<number> {
  let filter: string | undefined;
  if (words[0]) {
    const { info, name } = target(view, words);
    filter = name ? `${info.kind}/${name}` : info.kind + '/';
  }
  const evs = view.events().filter((e) => !filter || e.object === filter || (filter.endsWith('/') && e.object.startsWith(filter)));
  const specErrors = filter ? [] : view.store.specErrors();
  if (!evs.length && !specErrors.length) {
    out('No events.');
    return EXIT.ok;
  }
  if (evs.length) out(table(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'COUNT', 'MESSAGE'], evs.map((e) => [age(e.lastTimestamp), e.type, e.reason, e.object, String(e.count), e.message])));
  if (specErrors.length) out(`\nSpec errors now:\n` + specErrors.map((e) => `  ${e.file}:${e.line}:${e.col} ${e.field ? e.field + ': ' : ''}${e.message}`).join('\n'));
  return EXIT.ok;
}

async function setPower(view: LabView, specsDir: string, verb: 'stop' | 'start', words: string[], out: (s: string) => void): Promise<number> {
  const { info, name } = target(view, words);
  // Only kinds whose schema has spec.powerState: writing it into any other would make the spec invalid.
  const spec = (view.registry.openApiSchema(info.kind) as { properties?: { spec?: { properties?: Record<string, unknown> } } }).properties?.spec?.properties ?? {};
  if (!('powerState' in spec)) throw new UsageError(`${verb} works on kinds with spec.powerState (virtualmachine, cluster); ${info.singular} has none`);
  const obj = mustGet(view, info.kind, name);
  const src = view.store.sourceOf(info.kind, obj.metadata.name);
  if (!src) throw new NotFoundError(`${info.kind} "${obj.metadata.name}" has no document in the specs directory to edit`);
  const value = verb === 'stop' ? 'Stopped' : 'Running';
  const { setSpecField } = await import('../controllers/spec-files.js');
  await setSpecField(specsDir, { file: src.file }, info.kind, obj.metadata.name, ['spec', 'powerState'], value);
  out(`${info.singular}/${obj.metadata.name} powerState set to ${value} in ${src.file}`);
  return EXIT.ok;
}

async function logs(view: LabView, words: string[], opts: { follow: boolean; tail: number }, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { info, name } = target(view, words);
  if (info.kind !== 'VirtualMachine') throw new UsageError('logs are kept for VMs: hostplane logs vm/NAME');
  const obj = mustGet(view, info.kind, name);
  const files: LogFile[] = (['console', 'provision', 'commands'] as const).map((which) => ({ label: which, file: view.stateDir.path('logs', 'VirtualMachine', `${obj.metadata.name}.${which}.log`) }));
  if (opts.follow) return await followLogs({ root: view.stateDir.root, files, tail: opts.tail, out, err });
  if (!printLogs(files, opts.tail, out)) out(`No logs yet for vm/${obj.metadata.name}.`);
  return EXIT.ok;
}

/** A period shorter than `min` would turn a loop meant to idle into a busy one. */
function atLeast(flag: string, ms: number, min: number): number {
  if (ms < min) throw new UsageError(`${flag} must be at least ${min >= 60_000 ? `${min / 60_000}m` : `${min / 1000}s`}`);
  return ms;
}

function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s);
  if (!m) throw new UsageError(`"${s}" is not a duration like 30s, 5m, 1h`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

async function wait(specs: string, state: string, words: string[], forArg: string | undefined, timeout: string, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  // kubectl compares condition types and statuses without regard to case (condition=ready=true).
  const m = /^condition=([A-Za-z]+)(?:=(true|false|unknown))?$/i.exec(forArg ?? '');
  if (!m) throw new UsageError('--for=condition=TYPE[=True|False|Unknown] is required');
  const asked = m[1]!;
  const want = m[2] ? m[2][0]!.toUpperCase() + m[2].slice(1).toLowerCase() : 'True';
  const deadline = Date.now() + parseDuration(timeout);
  const registry = loadSchemaRegistry(); // once: compiling the CRDs costs more than one poll
  let shown = '';
  for (;;) {
    const view = await openView(specs, state, registry);
    const { info, name } = target(view, words);
    const obj = mustGet(view, info.kind, name ?? ''); // kubectl: waiting on an object that does not exist is NotFound
    const c = obj.status?.conditions?.find((x) => x.type.toLowerCase() === asked.toLowerCase());
    const type = c?.type ?? asked;
    const current = c?.status === want && (c.observedGeneration ?? 0) >= (obj.metadata.generation ?? 1);
    if (current) {
      out(`${info.singular}/${name} condition met`);
      return EXIT.ok;
    }
    // Progress on a long wait goes to stderr, one line per change, so scripts reading stdout see only the result.
    const progress = c ? `${type}=${c.status} ${c.reason}: ${c.message}` : `${type} not reported yet`;
    if (progress !== shown) {
      err(`waiting for ${info.singular}/${name}: ${progress}`);
      shown = progress;
    }
    if (Date.now() > deadline) {
      err(`timed out waiting for ${info.singular}/${name}: ${type} is ${c?.status ?? 'absent'}${c ? ` (${c.reason}: ${c.message})` : ''}`);
      return EXIT.timeout;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `sim kill vm/NAME`, `sim kill vm NAME` or `sim kill NAME`: the sim host acts on VMs only. */
function sim(state: string, words: string[], out: (s: string) => void): number {
  const usage = 'hostplane sim kill|delete|foreign vm/NAME';
  const [op, ...rest] = words;
  if (!op || !['kill', 'delete', 'foreign'].includes(op) || rest.length === 0 || rest.length > 2) throw new UsageError(usage);
  let name = rest.length === 2 ? rest[1] : rest[0];
  const kindWord = rest.length === 2 ? rest[0] : rest[0].includes('/') ? rest[0].split('/', 2)[0] : undefined;
  if (rest.length === 1 && rest[0].includes('/')) name = rest[0].split('/', 2)[1];
  if (kindWord !== undefined) {
    const info = loadSchemaRegistry().resolveKind(kindWord);
    if (!info) throw new UsageError(`unknown kind "${kindWord}"; ${usage}`);
    if (info.kind !== 'VirtualMachine') throw new UsageError(`sim acts on VMs only, not ${info.kind}; ${usage}`);
  }
  if (!name) throw new UsageError(usage);
  const dir = new StateDir(state);
  submitSimRequest(dir, op === 'foreign' ? { op: 'create-foreign', name, running: true } : { op: op as 'kill' | 'delete', name });
  out(`sim: ${op} vm/${name} queued for the sim host`);
  return EXIT.ok;
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => '  ' + l)
    .join('\n');
}
