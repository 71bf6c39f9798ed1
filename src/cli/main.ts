// The `hostplane` command: kubectl's habits over a specs directory and a state directory.
// One commander Command per verb, each with its own flags, help and examples; kinds add verbs
// through their modules (src/reconcilers/index.ts).
import { dirname, join, resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { stringify } from 'yaml';
import type { HostObject, Kind } from '../api/types.js';
import { loadSchemaRegistry, type KindInfo } from '../api/schema.js';
import { formatSpecError } from '../api/spec-error.js';
import { StateDir } from '../controllers/state-dir.js';
import { submitSimRequest } from '../sim/host/sim-world.js';
import { CONFIRM_DELETIONS } from '../controllers/manager.js';
import { requestReconcile, setSuspended } from '../controllers/object-requests.js';
import { askUp } from './ask-up.js';
import { KIND_MODULES } from '../reconcilers/index.js';
import type { KindModule } from '../controllers/kind-module.js';
import { age, conditionRows, painter, table, type Painter } from './format.js';
import { openView, type LabView } from './view.js';
import { objectRow, printedColumns, watchGet, type GetOutput } from './watch.js';
import { followLogs, printLogs, type LogFile } from './follow.js';
// `up` and the server are loaded when `up` runs: importing them costs seconds every other command does not need.
import type { UpOptions } from '../app/up.js';
import { EXIT } from '../app/exit-codes.js';
import { readStateHealth } from '../controllers/state-write-retry.js';
import { applyFile, deleteFromSpecs, filesInDirectory, isDirectoryInput } from './apply.js';
import { completionScript, complete, SHELLS, type Shell } from './completion.js';
import { kindList, mustGet, NotFoundError, resolveKindWord, resolveTargets, selectObjects, UsageError } from './targets.js';
import { OUTPUT_FORMS, OutputError, parseOutput } from './output.js';
import { renderGet, type GetFlags } from './get.js';
import { objectsInFile } from './apply.js';
import { staleNote } from './staleness.js';
import { changes, diffFile, planLine, planOf } from './diff.js';
import { topCommands } from './top.js';
import { serviceCommand } from './service.js';

export { EXIT };

type Out = (s: string) => void;

const KINDS_HELP = `Kinds: ${kindList()}; plural and singular forms work.`;

function version(): string {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
}

/** The global flags, wherever they appear on the line (kubectl accepts them after the verb too). */
interface GlobalFlags {
  specs?: string;
  state?: string;
  color?: boolean;
}

interface Io {
  out: Out;
  err: Out;
}

/** Examples shown under each command's --help. */
function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

/**
 * Builds the whole command tree. `setCode` receives each action's exit code; errors of the parser
 * itself (unknown flag, missing argument) reach main as CommanderError with the command's name.
 */
export function buildProgram(io: Io, setCode: (code: number) => void, kinds: readonly KindModule[] = KIND_MODULES): Command {
  const program = new Command('hostplane');
  // Help goes through io.out; parser errors are printed by main (one line and a hint), not here.
  const output = { writeOut: (s: string) => io.out(s.replace(/\n$/, '')), writeErr: (s: string) => io.err(s.replace(/\n$/, '')), outputError: () => {} };
  const dirs = () => {
    const g = program.opts<GlobalFlags>();
    const specs = resolve(g.specs ?? 'specs');
    const state = resolve(g.state ?? join(dirname(specs), '.hostplane'));
    return { specs, state };
  };
  /** Once per command: status from a state dir no running `up` keeps current is a snapshot. */
  const noteStale = (view: LabView) => {
    const n = staleNote(view);
    if (n) io.err(n);
  };
  const paint = () => painter(program.opts<GlobalFlags>().color !== false && !process.env.NO_COLOR && process.stdout.isTTY === true);
  /** Runs an action and turns our errors into exit codes (usage 2, not found 4, anything else 1). */
  const run =
    <A extends unknown[]>(fn: (...a: A) => Promise<number> | number) =>
    async (...a: A): Promise<void> => {
      try {
        setCode(await fn(...a));
      } catch (e) {
        if (e instanceof UsageError || e instanceof OutputError) {
          io.err(`error: ${e.message}`);
          setCode(EXIT.usage);
        } else if (e instanceof NotFoundError) {
          io.err(`error: ${e.message}`);
          setCode(EXIT.notFound);
        } else {
          io.err(`error: ${(e as Error).message}`);
          setCode(EXIT.error);
        }
      }
    };

  program
    .description("a control plane for this host's VMs, clusters, add-ons and load tests")
    .usage('COMMAND [ARGS] [FLAGS]')
    .version(version(), '--version', 'print the version')
    .helpOption('-h, --help', 'show help (hostplane COMMAND --help for a command)')
    .option('--specs <dir>', 'the specs directory', undefined)
    .option('--state <dir>', 'the state directory (default: .hostplane beside the specs)')
    .option('--no-color', 'plain output')
    .addHelpText('after', `\n${KINDS_HELP}\nExit codes: 0 ok, 1 error, 2 usage, 3 state dir locked, 4 not found, 5 wait timed out.`)
    .configureHelp({ showGlobalOptions: true, subcommandTerm: (c) => `${c.name()} ${c.usage()}`.trimEnd() })
    .configureOutput(output)
    .showSuggestionAfterError(true);
  const commands: Command[] = [];
  const add = (c: Command): Command => {
    c.helpOption('-h, --help', 'show help for this command');
    c.configureHelp({ showGlobalOptions: true });
    c.configureOutput(output);
    program.addCommand(c);
    commands.push(c);
    return c;
  };

  add(
    new Command('up')
      .summary('reconcile the lab in the specs directory and serve the API and dashboard')
      .usage('[--provider auto|sim|tart|qemu] [--listen HOST:PORT|off] [flags]')
      .addOption(new Option('--provider <name>', 'VM provider').choices(['auto', 'sim', 'tart', 'qemu']).default('auto'))
      .option('--listen <host:port|off>', 'where the API and dashboard listen', '127.0.0.1:7780')
      .option('--poll <duration>', 'health poll of a converged VM (at least 1s)')
      .option('--resync <duration>', 'safety-net resync of every object (at least 1m)')
      .option('--grace <duration>', 'a spec gone from disk is deleted only after this long')
      .option('--workers <n>', 'parallel VM reconciles')
      .option('--host-cpu <n>', 'host CPUs hostplane may hand out')
      .option('--host-memory <GiB>', 'host memory hostplane may hand out')
      .option('--sim-scale <factor>', 'sim host latency factor')
      .option('--sim-time-scale <factor>', 'sim host: simulated seconds per real second of its clusters and load tests')
      .option('-q, --quiet', 'no progress lines after the banner (per kind Ready counts, warnings)')
      .addHelpText('after', examples(['hostplane up --specs specs --provider sim', 'hostplane up --listen 0.0.0.0:7780   # beyond loopback: every request needs the token']))
      .action(
        run(async (f: Record<string, string | undefined> & { quiet?: boolean }) => {
          const { specs, state } = dirs();
          // Every flag is checked before the specs directory, so a bad flag is named even when both are wrong.
          if (f.listen !== 'off') {
            try {
              const { parseListen } = await import('../server/server.js');
              parseListen(f.listen!);
            } catch (e) {
              throw new UsageError(e instanceof Error ? e.message : String(e));
            }
          }
          const upOptions: UpOptions = {
            specs,
            state,
            provider: f.provider as UpOptions['provider'],
            listen: f.listen === 'off' ? false : f.listen!,
            workers: num(f.workers),
            graceMs: f.grace ? parseDuration(f.grace) : undefined,
            pollIntervalMs: f.poll ? atLeast('--poll', parseDuration(f.poll), 1_000) : undefined,
            resyncPeriodMs: f.resync ? atLeast('--resync', parseDuration(f.resync), 60_000) : undefined,
            simScale: num(f.simScale),
            simTimeScale: num(f.simTimeScale),
            quiet: !!f.quiet,
            progressTty: process.stdout.isTTY === true,
            hostCpu: num(f.hostCpu),
            hostMemoryMiB: f.hostMemory ? Math.round(Number.parseFloat(f.hostMemory) * 1024) : undefined,
          };
          if (!existsSync(specs)) throw new UsageError(`specs directory ${specs} does not exist (pass --specs DIR)`);
          const { up } = await import('../app/up.js');
          return await up(upOptions, paint(), io.out);
        }),
      ),
  );

  add(
    new Command('get')
      .summary('list objects, or show one')
      .usage('KIND [NAME] [-l SEL] [-o FORMAT] [-w|--watch] [--watch-only]')
      .argument('[kind]', 'a kind, a comma list of kinds, all, or KIND/NAME')
      .argument('[names...]', 'objects of that kind (or more KIND/NAME)')
      .option('-o, --output <format>', OUTPUT_FORMS)
      .option('-l, --selector <selector>', 'label selector: k=v, k!=v, k in (a,b), k notin (a), k, !k (comma: and)')
      .option('--field-selector <selector>', 'metadata.name=NAME, status.phase=PHASE (= or !=, comma: and)')
      .option('--sort-by <jsonpath>', 'sort by a field, e.g. .spec.cpu or {.metadata.name}')
      .option('--show-labels', 'a LABELS column')
      .option('-L, --label-columns <key>', 'a column with the value of this label (repeat or comma list)', (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)])
      .option('-w, --watch', 'print the table, then a row each time an object\'s row changes (deleted ones too) until Ctrl-C')
      .option('--watch-only', 'the changes only')
      .addHelpText(
        'after',
        examples([
          'hostplane get vms',
          'hostplane get vm dev-master -o yaml',
          'hostplane get vms -l hostplane.dev/cluster=dev,hostplane.dev/role!=worker',
          "hostplane get vms -l 'hostplane.dev/cluster in (dev,prod)' --show-labels",
          'hostplane get vms --field-selector status.phase=Running -o name',
          "hostplane get vms -o jsonpath='{.items[*].metadata.name}'",
          "hostplane get vms -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.cpu}{\"\\n\"}{end}'",
          'hostplane get vms -o custom-columns=NAME:.metadata.name,CPU:.spec.cpu --sort-by .spec.cpu',
          'hostplane get vms -L hostplane.dev/role',
          'hostplane get all',
          'hostplane get vms,clusters',
          'hostplane get vms -w',
        ]),
      )
      .action(
        run(async (kind: string | undefined, names: string[], f: GetCommandFlags) => {
          const { specs, state } = dirs();
          const words = [kind, ...(names ?? [])].filter((w): w is string => !!w);
          const output = parseOutput(f.output);
          if (!f.watch && !f.watchOnly) return await get(await openView(specs, state), words, { ...f, output }, io, paint());
          if (f.selector || f.fieldSelector || f.sortBy || f.showLabels || f.labelColumns || !['table', 'wide', 'json', 'yaml'].includes(output.form)) {
            throw new UsageError('-w shows the table, -o wide|json|yaml; selectors, --sort-by, label columns and other output forms are for a plain get');
          }
          const registry = loadSchemaRegistry();
          const view = await openView(specs, state, registry);
          const t = target(view, words);
          if (words.length > 2 || t.info === undefined) throw new UsageError('-w watches one kind, or one object');
          if (t.name) mustGet(view, t.info.kind, t.name); // kubectl: watching an object that does not exist is NotFound
          return await watchGet({ specs, state, registry, info: t.info, name: t.name, output: getOutput(f.output), watchOnly: !!f.watchOnly, paint: paint(), out: io.out, err: io.err });
        }),
      ),
  );

  add(
    new Command('describe')
      .summary('spec, status, conditions, spec errors and events of objects')
      .usage('KIND [NAME…] [-l SEL]')
      .argument('[kind]', 'a kind, a comma list of kinds, all, or KIND/NAME')
      .argument('[names...]', 'objects of that kind; none: every object of the kind')
      .option('-l, --selector <selector>', 'label selector (as for get)')
      .addHelpText('after', examples(['hostplane describe vm dev-master', 'hostplane describe cluster/dev', 'hostplane describe vms -l hostplane.dev/cluster=dev']))
      .action(
        run(async (kind: string | undefined, names: string[], f: { selector?: string }) => {
          const view = await openView(dirs().specs, dirs().state);
          const { groups } = resolveTargets(view, words(kind, ...(names ?? [])));
          const found = selectObjects(view, groups, f);
          const items = found.flatMap((g) => g.items.map((o) => ({ info: g.info, o })));
          noteStale(view);
          if (!items.length) {
            io.err('No resources found.');
            return EXIT.ok;
          }
          io.out(items.map(({ info, o }) => describeText(view, info, o, paint())).join('\n\n\n'));
          return EXIT.ok;
        }),
      ),
  );

  add(
    new Command('events')
      .summary('what happened, newest last (all objects, one kind, or one object)')
      .usage('[KIND[/NAME]]')
      .argument('[kind]', 'a kind, or KIND/NAME')
      .argument('[name]', 'one object')
      .addHelpText('after', examples(['hostplane events', 'hostplane events vm/dev-master']))
      .action(
        run(async (kind?: string, name?: string) => {
          const view = await openView(dirs().specs, dirs().state);
          const code = await events(view, words(kind, name), io.out);
          noteStale(view);
          return code;
        }),
      ),
  );

  add(
    new Command('explain')
      .summary('field documentation from the CRDs')
      .usage('KIND[.field.path] [--recursive]')
      .argument('[path]', 'e.g. vm.spec.network')
      .option('--recursive', 'every field below the path')
      .addHelpText('after', examples(['hostplane explain vm.spec.network', 'hostplane explain cluster --recursive']))
      .action(
        run((path: string | undefined, f: { recursive?: boolean }) => {
          if (!path) throw new UsageError('explain needs a kind or field path, e.g. hostplane explain vm.spec.network');
          io.out(loadSchemaRegistry().explain(path, { recursive: f.recursive }));
          return EXIT.ok;
        }),
      ),
  );

  add(
    new Command('apply')
      .summary('write the documents into the specs (an existing object in place, comments kept)')
      .usage('-f FILE|DIR|- [-R]')
      .option('-f, --filename <file>', 'a YAML or JSON file, a directory (its .yaml, .yml and .json files, in sorted order), or - for standard input')
      .option('-R, --recursive', 'with -f DIR: the files of its subdirectories too')
      .option('--to <file>', 'put new objects in this spec file (relative to the specs dir; default: beside the objects of their kind)')
      .addHelpText('after', examples(['hostplane apply -f new-vm.yaml', 'hostplane apply -f lab/', 'hostplane apply -f lab/ -R', 'cat vm.yaml | hostplane apply -f -', 'hostplane apply -f new-vm.yaml --to vms/lab.yaml']))
      .action(
        run(async (f: { filename?: string; to?: string; recursive?: boolean }) => {
          if (!f.filename) throw new UsageError('apply needs -f FILE (or -f DIR, or -f - for standard input)');
          const { specs, state } = dirs();
          const opts = f.to ? { to: f.to } : {};
          if (!isDirectoryInput(f.filename)) {
            const res = await applyFile(await openView(specs, state), specs, f.filename, opts);
            if (res.errors.length) {
              for (const e of res.errors) io.err(`error: ${e}`);
              io.err('nothing was written');
              return EXIT.error;
            }
            for (const l of res.lines) io.out(l);
            return EXIT.ok;
          }
          // A directory, as kubectl: each file on its own (a bad one does not hold back the others), exit 1 if any failed.
          const { files, errors } = filesInDirectory(f.filename, !!f.recursive);
          for (const e of errors) io.err(`error: ${e}`);
          if (!files.length && !errors.length) throw new Error(`no objects passed to apply: ${f.filename} has no .yaml, .yml or .json files${f.recursive ? '' : ' (-R: its subdirectories too)'}`);
          let failed = errors.length > 0;
          for (const file of files) {
            try {
              // Reopened per file: an object the previous file created is then updated in place, not defined twice.
              const res = await applyFile(await openView(specs, state), specs, file, opts);
              if (res.errors.length) {
                for (const e of res.errors) io.err(`error: ${e}`);
                io.err(`nothing was written from ${file}`);
                failed = true;
                continue;
              }
              for (const l of res.lines) io.out(l);
            } catch (e) {
              io.err(`error: ${(e as Error).message}`);
              io.err(`nothing was written from ${file}`);
              failed = true;
            }
          }
          return failed ? EXIT.error : EXIT.ok;
        }),
      ),
  );

  add(
    new Command('delete')
      .summary("remove objects' documents from their spec files (the objects go after the grace period)")
      .usage('KIND/NAME… | KIND -l SEL | -f FILE')
      .argument('[kind]', 'a kind, or KIND/NAME')
      .argument('[names...]', 'objects of that kind')
      .option('-l, --selector <selector>', 'every object of the kind whose labels match')
      .option('-f, --filename <file>', 'the objects a YAML file defines')
      .addHelpText('after', examples(['hostplane delete vm/dev-worker1', 'hostplane delete vm dev-worker1 prod-worker2', 'hostplane delete vms -l hostplane.dev/cluster=dev', 'hostplane delete -f new-vm.yaml']))
      .action(
        run(async (kind: string | undefined, names: string[], f: { selector?: string; filename?: string }) => {
          const { specs, state } = dirs();
          const view = await openView(specs, state);
          const w = words(kind, ...(names ?? []));
          let targets: { kind: Kind; name: string }[];
          if (f.filename) {
            if (w.length || f.selector) throw new UsageError('delete -f FILE takes no kind, name or selector');
            targets = objectsInFile(view, f.filename);
          } else {
            const { groups } = resolveTargets(view, w);
            if (!f.selector && groups.some((g) => !g.names)) throw new UsageError('resource(s) were provided, but no name was specified: name the objects, or select them with -l');
            if (f.selector && groups.some((g) => g.names)) throw new UsageError('name objects or give -l, not both');
            targets = selectObjects(view, groups, f).flatMap((g) => g.items.map((o) => ({ kind: o.kind, name: o.metadata.name })));
            if (!targets.length) {
              io.err('No resources found.');
              return EXIT.ok;
            }
          }
          for (const t of targets) mustGet(view, t.kind, t.name);
          for (const t of targets) io.out(await deleteFromSpecs(view, specs, t.kind, t.name));
          return EXIT.ok;
        }),
      ),
  );

  add(
    new Command('diff')
      .summary('the action the reconciler would take now, per object (create, start, resize, recreate, delete, nothing)')
      .usage('[KIND[/NAME]] | -f FILE')
      .argument('[kind]', 'a kind, a comma list, all, or KIND/NAME (default: all)')
      .argument('[names...]', 'objects of that kind')
      .option('-f, --filename <file>', 'how applying this file would change the specs, and the actions that follow')
      .option('-l, --selector <selector>', 'label selector (as for get)')
      .addHelpText(
        'after',
        `${examples(['hostplane diff', 'hostplane diff vm/dev-master', 'hostplane diff -f bigger-vm.yaml'])}\n\nExit codes (as kubectl diff; the one command whose 1 is not an error): 0 nothing would change, 1 something would, 2 or more an error.`,
      )
      .action(
        run(async (kind: string | undefined, names: string[], f: { filename?: string; selector?: string }) => {
          const { specs, state } = dirs();
          try {
            const view = await openView(specs, state);
            if (f.filename) {
              if (kind || f.selector) throw new UsageError('diff -f FILE takes no kind or selector');
              const d = diffFile(view, f.filename);
              noteStale(view);
              for (const l of d.lines) io.out(l);
              return d.changed ? 1 : EXIT.ok;
            }
            const { groups } = resolveTargets(view, kind ? words(kind, ...(names ?? [])) : ['all']);
            noteStale(view);
            let changed = false;
            for (const g of selectObjects(view, groups, f)) {
              for (const o of g.items) {
                const plan = planOf(view, o);
                if (changes(plan)) changed = true;
                io.out(planLine(`${g.info.singular}/${o.metadata.name}`, plan));
              }
            }
            return changed ? 1 : EXIT.ok;
          } catch (e) {
            // 1 means "changes" here: every error leaves with 2 or more.
            if (e instanceof UsageError || e instanceof NotFoundError || e instanceof OutputError) throw e;
            io.err(`error: ${(e as Error).message}`);
            return EXIT.usage;
          }
        }),
      ),
  );

  for (const verb of ['stop', 'start'] as const) {
    add(
      new Command(verb)
        .summary(`set spec.powerState: ${verb === 'stop' ? 'Stopped' : 'Running'} in the spec file (comments kept)`)
        .usage('KIND/NAME')
        .argument('[kind]', 'a kind, or KIND/NAME')
        .argument('[name]', 'the object')
        .addHelpText('after', examples([`hostplane ${verb} vm/dev-worker1`]))
        .action(run(async (kind?: string, name?: string) => setPower(await openView(dirs().specs, dirs().state), dirs().specs, verb, words(kind, name), io.out))),
    );
  }

  add(
    new Command('wait')
      .summary('wait until a condition holds at the current generation')
      .usage('KIND/NAME --for=condition=TYPE[=True|False|Unknown] [--timeout=5m]')
      .argument('[kind]', 'a kind, or KIND/NAME')
      .argument('[name]', 'the object')
      .option('--for <condition>', 'condition=TYPE[=True|False|Unknown]')
      .option('--timeout <duration>', 'give up after this long (exit 5)', '5m')
      .addHelpText('after', examples(['hostplane wait vm/dev-master --for=condition=Ready --timeout=5m']))
      .action(run((kind: string | undefined, name: string | undefined, f: { for?: string; timeout: string }) => wait(dirs().specs, dirs().state, words(kind, name), f.for, f.timeout, io.out, io.err))),
  );

  add(
    new Command('logs')
      .summary('console, provisioning and provider-command logs of an object')
      .usage('vm/NAME [-f|--follow] [--tail N]')
      .argument('[kind]', 'a kind, or KIND/NAME')
      .argument('[name]', 'the object')
      .option('-f, --follow', 'keep printing what is appended (waits for files that do not exist yet) until Ctrl-C')
      .option('--tail <n>', 'the last N lines of each file (-1 for all)', '-1')
      .addHelpText('after', examples(['hostplane logs vm/dev-master', 'hostplane logs vm/dev-master -f --tail 20']))
      .action(run(async (kind: string | undefined, name: string | undefined, f: { follow?: boolean; tail: string }) => logs(await openView(dirs().specs, dirs().state), words(kind, name), { follow: !!f.follow, tail: tailLines(f.tail) }, io.out, io.err))),
  );

  add(
    new Command('ssh')
      .summary("an SSH session, or one command, on a running VM (the host key hostplane pinned, the VM's secret)")
      .usage('vm/NAME [-- COMMAND [ARGS…]]')
      .argument('[target]', 'vm/NAME')
      .argument('[command...]', 'run this instead of a login shell (after --; the words are joined with spaces, as ssh does)')
      .addHelpText(
        'after',
        `${examples(['hostplane ssh vm/dev-master', 'hostplane ssh vm/dev-master -- uname -a', "hostplane ssh vm/dev-master -- 'sudo journalctl -u kubelet | tail'"])}\n\n` +
          'Key auth (spec.ssh.keySecret) runs the OpenSSH client with a temporary known_hosts and key file; password auth\n' +
          'runs in this process (a PTY when stdin is a terminal), so the password is on no command line.\n' +
          "Exit codes: the remote command's; 255 when SSH itself failed (host key not the pinned one, login refused,\n" +
          'unreachable); 1 when the VM is not running or has no address or pin yet; 2 usage; 4 not found.',
      )
      .action(
        run(async (t: string | undefined, command: string[] = []) => {
          const { specs, state } = dirs();
          const view = await openView(specs, state);
          if (!t) throw new UsageError('ssh needs a VM: hostplane ssh vm/NAME [-- COMMAND]');
          const { info, name } = target(view, [t]);
          if (info.kind !== 'VirtualMachine') throw new UsageError(`ssh works on VMs only (vm/NAME), not ${info.singular}`);
          if (!name) throw new UsageError('name the VM: hostplane ssh vm/NAME [-- COMMAND]');
          const vm = mustGet(view, info.kind, name);
          noteStale(view);
          // Not running, no address or pin: an Error, so exit 1 with one line (run above).
          const { sshToVm } = await import('../app/ssh.js');
          return await sshToVm({ stateDir: state, vm, command, err: io.err });
        }),
      ),
  );

  add(
    new Command('confirm-deletions')
      .summary('delete the objects whose specs vanished all at once (deletion was paused)')
      .usage(' ')
      .action(
        run(async () => {
          const { specs, state } = dirs();
          const view = await openView(specs, state);
          if (!view.upPid) {
            io.err(`error: no hostplane up is running on ${state}; a confirmation only applies to a deletion pause that a running hostplane reported`);
            return EXIT.error;
          }
          const last = view.events().filter((e) => e.object === 'File/.').at(-1);
          if (last?.reason !== 'DeletionPaused') {
            io.err('error: no deletion is paused (hostplane events shows what the source reported)');
            return EXIT.error;
          }
          view.stateDir.writeJson(CONFIRM_DELETIONS, { at: new Date().toISOString(), confirming: last.message });
          io.out(`confirmed: ${last.message}\nthe running hostplane (pid ${view.upPid}) marks those objects for deletion within a second`);
          return EXIT.ok;
        }),
      ),
  );

  // Flux's verbs for any kind: the running `up` takes the request from the state dir within a
  // second; suspension is kept there too, so the spec files (and git) stay untouched.
  for (const [verb, summary] of [
    ['reconcile', 'reconcile one object now (the running hostplane up does it)'],
    ['suspend', 'leave one object exactly as it is until resumed (kept in the state dir, not the spec)'],
    ['resume', 'undo suspend: reconcile the object again'],
  ] as const) {
    add(
      new Command(verb)
        .summary(summary)
        .usage('KIND/NAME')
        .argument('[kind]', 'a kind, or KIND/NAME')
        .argument('[name]', 'the object')
        .addHelpText('after', examples([`hostplane ${verb} addon/platform-loki`, `hostplane ${verb} vm dev-master`]))
        .action(
          run(async (kind?: string, name?: string) => {
            const view = await openView(dirs().specs, dirs().state);
            const { info, name: n } = target(view, words(kind, name));
            const obj = mustGet(view, info.kind, n);
            const key = `${info.kind}/${obj.metadata.name}`;
            // A running `up` answers through its API; without one (or with --listen off) the request
            // waits in the state dir, which `up` reads within a second of starting or polling.
            const answer = view.upPid ? await askUp(view.stateDir, view.upPid, `${info.plural}/${encodeURIComponent(obj.metadata.name)}/${verb}`) : undefined;
            if (answer?.ok) {
              io.out(`${answer.message} (hostplane up, pid ${view.upPid}, through its API)`);
              return EXIT.ok;
            }
            if (answer?.status !== undefined) {
              io.err(`error: ${answer.message}`);
              return EXIT.error;
            }
            if (answer) io.err(`warning: ${answer.message}; leaving the request in the state dir instead`);
            if (verb !== 'reconcile') setSuspended(view.stateDir, key, verb === 'suspend');
            if (!view.upPid) {
              if (verb === 'reconcile') {
                io.err(`error: no hostplane up is running on ${dirs().state}; start it with hostplane up`);
                return EXIT.error;
              }
              io.out(`${key} ${verb === 'suspend' ? 'suspended' : 'resumed'}; it takes effect when hostplane up runs`);
              return EXIT.ok;
            }
            requestReconcile(view.stateDir, key);
            io.out(verb === 'reconcile' ? `${key} queued for reconcile by hostplane up (pid ${view.upPid})` : `${key} ${verb === 'suspend' ? 'suspended' : 'resumed'} (hostplane up, pid ${view.upPid})`);
            return EXIT.ok;
          }),
        ),
    );
  }

  add(
    new Command('sim')
      .summary("act on the sim host's world behind hostplane's back")
      .usage('kill|delete|foreign vm/NAME')
      .argument('[op]', 'kill, delete or foreign')
      .argument('[target]', 'the VM: vm/NAME (or vm NAME, or NAME)')
      .argument('[name]', 'the VM name when the kind is given apart')
      .addHelpText('after', examples(['hostplane sim kill vm/dev-worker1']))
      .action(run((op?: string, target?: string, name?: string) => sim(dirs().state, words(op, target, name), io.out))),
  );

  add(serviceCommand(io, dirs, run));

  add(
    new Command('completion')
      .summary('print a shell completion script (commands, kinds and object names from the specs)')
      .usage('bash|zsh|fish')
      .argument('<shell>', SHELLS.join(', '))
      .addHelpText('after', examples(['source <(hostplane completion bash)', 'hostplane completion zsh > "${fpath[1]}/_hostplane"', 'hostplane completion fish > ~/.config/fish/completions/hostplane.fish']))
      .action(
        run((shell: string) => {
          if (!SHELLS.includes(shell as Shell)) throw new UsageError(`completion: the shell must be ${SHELLS.join(', ')} (got ${shell})`);
          io.out(completionScript(shell as Shell));
          return EXIT.ok;
        }),
      ),
  );

  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption(true)
    .helpOption(false)
    .action(
      run(async (typed: string[] = []) => {
        for (const c of await complete(program, typed, dirs())) io.out(c);
        return EXIT.ok;
      }),
    );

  program
    .command('version', { hidden: true })
    .action(() => {
      io.out(version());
      setCode(EXIT.ok);
    });

  // Verbs a kind brings (src/reconcilers/<kind>/module.ts).
  const lookup = async (kind: Kind, name: string): Promise<HostObject | undefined> => {
    try {
      return mustGet(await openView(dirs().specs, dirs().state), kind, name);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      io.err(`error: ${e.message}`);
      setCode(EXIT.notFound);
      return undefined;
    }
  };
  const kindCli = { dirs, out: io.out, err: io.err, setCode, lookup };
  for (const m of kinds) for (const c of m.commands?.(kindCli) ?? []) add(c);
  // Live figures from the running `up` (the dashboard's collectors): urls, top.
  for (const c of topCommands({ dirs, out: io.out, err: io.err, setCode })) add(c);

  // Parser errors name the command they came from, so the hint can point at its --help.
  for (const c of [program, ...commands]) {
    c.exitOverride((e) => {
      throw Object.assign(e, { commandPath: c === program ? 'hostplane' : `hostplane ${c.name()}` });
    });
  }
  return program;
}

export async function main(argv: string[], out: Out = (s) => process.stdout.write(s + '\n'), err: Out = (s) => process.stderr.write(s + '\n')): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram({ out, err }, (c) => (code = c));
  // No command at all: the overview, and exit 2 as for any other usage error.
  if (!argv.some((a) => !a.startsWith('-')) && !argv.some((a) => ['-h', '--help', '--version'].includes(a))) {
    out(program.helpInformation().trimEnd());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
    // One line saying what was wrong, one saying where to look: never a page of usage.
    const where = (e as CommanderError & { commandPath?: string }).commandPath ?? 'hostplane';
    const line = e.message.trim().replace(/\s*\n\s*/g, ' ');
    err(line.startsWith('error:') ? line : `error: ${line}`);
    err(`See '${where} --help'.`);
    return EXIT.usage;
  }
  return code;
}

function words(...w: (string | undefined)[]): string[] {
  return w.filter((x): x is string => x !== undefined && x !== '');
}


function num(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`"${v}" is not a number`);
  return n;
}

/** Accepts `vm NAME`, `vm/NAME`, `virtualmachines NAME` … */
function target(view: Pick<LabView, 'registry'>, words: string[]): { info: KindInfo; name?: string } {
  if (!words[0]) throw new UsageError(`name a kind: ${kindList()}`);
  let [kindWord, name] = words;
  if (kindWord.includes('/')) [kindWord, name] = kindWord.split('/', 2);
  return { info: resolveKindWord(view, kindWord), name };
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

interface GetCommandFlags {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  sortBy?: string;
  showLabels?: boolean;
  labelColumns?: string[];
  watch?: boolean;
  watchOnly?: boolean;
}

async function get(view: LabView, words: string[], flags: GetFlags, io: Io, paint: Painter): Promise<number> {
  const { groups, multiKind } = resolveTargets(view, words);
  const { found, missing } = renderGet(view, groups, multiKind, flags, io.out, paint);
  const out = io.out;
  const machine = !['table', 'wide'].includes(flags.output.form);
  // As kubectl: the objects found are printed, then a line per named object that does not exist (exit 4).
  for (const e of missing) io.err(`error: ${e.message}`);
  const code = missing.length ? EXIT.notFound : EXIT.ok;
  if (!machine) {
    const n = staleNote(view);
    if (n) io.err(n);
  }
  if (!found && missing.length) return code;
  if (!found) {
    if (machine) return EXIT.ok;
    const what = groups.length === 1 ? groups[0]!.info.plural : 'resources';
    const selected = flags.selector || flags.fieldSelector ? ' matching the selector' : '';
    out(`No ${what} found${selected} in ${view.store.specErrors().length ? 'the specs (there are spec errors: hostplane events)' : 'the specs'}.`);
    return EXIT.ok;
  }
  if (machine) return code;
  const sourceEvents = view.events().filter((e) => e.object === 'File/.');
  const lastSource = sourceEvents[sourceEvents.length - 1];
  if (view.upPid && lastSource?.reason === 'DeletionPaused') out(paint.yellow(`\nWARNING: ${lastSource.message}`));
  const health = view.upPid ? readStateHealth(view.stateDir) : undefined;
  if (health && !health.ok) {
    out(paint.yellow(`\nWARNING: StateWriteFailed: the running hostplane (pid ${view.upPid}) cannot write its state dir since ${health.since ?? '?'} (${health.error ?? 'unknown error'}); ${health.pending ?? 0} object(s) are newer in memory than shown here. It retries by itself; free some space.`));
  }
  const kinds = new Set(groups.map((g) => g.info.kind));
  const errs = view.store.specErrors().filter((e) => !e.object || kinds.has(e.object.split('/')[0] as Kind));
  if (errs.length) out(paint.red(`\n${errs.length} spec error(s):\n`) + errs.map((e) => `  ${formatSpecError(e)}`).join('\n'));
  return code;
}

function describeText(view: LabView, info: KindInfo, obj: HostObject, paint: Painter): string {
  const src = view.store.sourceOf(info.kind, obj.metadata.name);
  const gen = obj.metadata.generation ?? 1;
  const observed = obj.status?.observedGeneration;
  const lines = [
    `Name:                ${obj.metadata.name}`,
    `Kind:                ${obj.kind}`,
    `API Version:         ${obj.apiVersion}`,
    `Labels:              ${Object.entries(obj.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '<none>'}`,
    `UID:                 ${obj.metadata.uid}`,
    `Resource Version:    ${obj.metadata.resourceVersion ?? '<none>'}`,
    `Created:             ${obj.metadata.creationTimestamp} (${age(obj.metadata.creationTimestamp)} ago)`,
    `Generation:          ${gen}${observed !== undefined && observed !== gen ? paint.yellow(` (observed ${observed}: status is stale)`) : ''}`,
    `Source:              ${src ? `${src.file}:${src.line}:${src.col}` : '<not in the specs: deleting or only in the state dir>'}`,
    ...(typeof obj.status?.lastAppliedRevision === 'string' ? [`Revision:            ${obj.status.lastAppliedRevision}${obj.status.dirty === true ? paint.yellow(' (dirty: the file has uncommitted changes)') : ''}`] : []),
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
  if (errs.length) lines.push('', paint.red('Spec errors (the last valid spec is kept):'), ...errs.map((e) => `  ${formatSpecError(e)}`));
  const evs = view.events().filter((e) => e.object === `${info.kind}/${obj.metadata.name}`).slice(-20);
  lines.push('', 'Events:', evs.length ? indent(table(['TYPE', 'REASON', 'AGE', 'COUNT', 'MESSAGE'], evs.map((e) => [e.type, e.reason, age(e.lastTimestamp), String(e.count), e.message]))) : '  <none>');
  return lines.join('\n');
}

async function events(view: LabView, words: string[], out: (s: string) => void): Promise<number> {
  let filter: string | undefined;
  let one: { kind: Kind; name: string } | undefined;
  if (words[0]) {
    const { info, name } = target(view, words);
    filter = name ? `${info.kind}/${name}` : info.kind + '/';
    if (name) one = { kind: info.kind, name };
  }
  const evs = view.events().filter((e) => !filter || e.object === filter || (filter.endsWith('/') && e.object.startsWith(filter)));
  // One object that the specs and the state dir do not know: NotFound (exit 4) with get's message;
  // one that is gone but left events (a deletion just finished) still shows them.
  if (one && !evs.length) mustGet(view, one.kind, one.name);
  const specErrors = filter ? [] : view.store.specErrors();
  if (!evs.length && !specErrors.length) {
    out('No events.');
    return EXIT.ok;
  }
  if (evs.length) out(table(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'COUNT', 'MESSAGE'], evs.map((e) => [age(e.lastTimestamp), e.type, e.reason, e.object, String(e.count), e.message])));
  if (specErrors.length) out(`\nSpec errors now:\n` + specErrors.map((e) => `  ${formatSpecError(e)}`).join('\n'));
  return EXIT.ok;
}

async function setPower(view: LabView, specsDir: string, verb: 'stop' | 'start', words: string[], out: (s: string) => void): Promise<number> {
  const { info, name } = target(view, words);
  // Only kinds whose schema has spec.powerState: writing it into any other would make the spec invalid.
  const hasPower = (kind: Kind) => 'powerState' in ((view.registry.openApiSchema(kind) as { properties?: { spec?: { properties?: Record<string, unknown> } } }).properties?.spec?.properties ?? {});
  if (!hasPower(info.kind)) {
    const kinds = view.registry.kinds().filter((k) => hasPower(k.kind)).map((k) => k.singular);
    throw new UsageError(`${verb} works on kinds with spec.powerState (${kinds.join(', ')}); ${info.singular} has none`);
  }
  const obj = mustGet(view, info.kind, name);
  const src = view.store.sourceOf(info.kind, obj.metadata.name);
  if (!src) throw new NotFoundError(`${info.kind} "${obj.metadata.name}" has no document in the specs directory to edit`);
  const value = verb === 'stop' ? 'Stopped' : 'Running';
  // As kubectl's "unchanged": nothing to write when the spec already says so (absent means Running).
  const unchanged = `${info.singular}/${obj.metadata.name} unchanged (already ${value})`;
  if (((obj.spec as { powerState?: unknown }).powerState ?? 'Running') === value) {
    out(unchanged);
    return EXIT.ok;
  }
  const { setSpecField } = await import('../spec-edit/spec-files.js');
  const { absentBeforeStop, forgetAbsent, rememberAbsent } = await import('./power-edit.js');
  // `stop` then `start` puts the file back byte for byte: a powerState that was absent (the default,
  // Running) is removed again by `start` instead of being written out.
  if (verb === 'stop') rememberAbsent(view.stateDir, specsDir, src.file, info.kind, obj.metadata.name);
  const restore = verb === 'start' && absentBeforeStop(view.stateDir, info.kind, obj.metadata.name);
  const res = setSpecField(specsDir, { file: src.file }, info.kind, obj.metadata.name, ['spec', 'powerState'], restore ? undefined : value);
  if (verb === 'start') forgetAbsent(view.stateDir, info.kind, obj.metadata.name);
  if (res.action === 'unchanged') {
    out(unchanged);
    return EXIT.ok;
  }
  out(`${info.singular}/${obj.metadata.name} powerState set to ${value} in ${src.file}`);
  return EXIT.ok;
}

async function logs(view: LabView, words: string[], opts: { follow: boolean; tail: number }, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { info, name } = target(view, words);
  const module = KIND_MODULES.find((m) => m.kind === info.kind);
  if (!module?.logFiles) throw new UsageError(`logs are kept for ${KIND_MODULES.filter((m) => m.logFiles).map((m) => m.shortNames[0] ?? m.kind).join(', ')} only: hostplane logs vm/NAME`);
  const obj = mustGet(view, info.kind, name);
  const files: LogFile[] = module.logFiles(view.stateDir.root, obj.metadata.name);
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
