// `hostplane service install|uninstall`: a systemd user unit (Linux) or a launchd agent (macOS) that
// runs `hostplane up` at login (rendering: src/app/service-unit.ts). The file is written atomically;
// the command that starts it is printed, and run only with --enable (--disable on uninstall).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { EXIT } from '../app/exit-codes.js';
import { renderServiceUnit, shellLine, type ServicePlatform } from '../app/service-unit.js';
import { UsageError } from './targets.js';

interface ServiceFlags {
  dryRun?: boolean;
  enable?: boolean;
  disable?: boolean;
  platform?: ServicePlatform;
}

export function serviceCommand(io: { out(s: string): void; err(s: string): void }, dirs: () => { specs: string }, run: <A extends unknown[]>(fn: (...a: A) => Promise<number> | number) => (...a: A) => Promise<void>): Command {
  return new Command('service')
    .summary('install or remove a login service (systemd user unit / launchd agent) that runs `hostplane up`')
    .usage('install|uninstall [--specs DIR] [--dry-run] [--enable|--disable]')
    .argument('<action>', 'install or uninstall')
    .option('--dry-run', 'print the unit and where it would go; write nothing')
    .option('--enable', 'install: also start it now and at every login (systemctl --user enable --now / launchctl bootstrap)')
    .option('--disable', 'uninstall: also stop it (systemctl --user disable --now / launchctl bootout)')
    .addOption(new Option('--platform <os>', 'linux or darwin (default: this host)').choices(['linux', 'darwin']).hideHelp())
    .addHelpText('after', '\nExamples:\n  hostplane service install --specs ~/lab/specs\n  hostplane service install --dry-run\n  hostplane service uninstall --disable')
    .action(
      run((action: string, flags: ServiceFlags) => {
        if (action !== 'install' && action !== 'uninstall') throw new UsageError(`service: the action must be install or uninstall (got ${action})`);
        const platform: ServicePlatform = flags.platform ?? (process.platform === 'darwin' ? 'darwin' : 'linux');
        if (flags.platform === undefined && process.platform !== 'darwin' && process.platform !== 'linux') throw new UsageError(`service: ${process.platform} has neither systemd nor launchd`);
        const specsDir = dirs().specs;
        const unit = renderServiceUnit({
          platform,
          node: process.execPath,
          bin: fileURLToPath(new URL('../../bin/hostplane.mjs', import.meta.url)),
          specsDir,
          home: process.env.HOME || homedir(),
          ...(process.env.PATH ? { path: process.env.PATH } : {}),
          ...(typeof process.getuid === 'function' ? { uid: process.getuid() } : {}),
        });
        if (action === 'install') {
          if (!existsSync(specsDir) || !statSync(specsDir).isDirectory()) {
            io.err(`error: the specs directory ${specsDir} does not exist (pass --specs DIR)`);
            return EXIT.error;
          }
          if (flags.dryRun) {
            io.out(`# ${unit.file}`);
            io.out(unit.content.trimEnd());
            io.out(`# then: ${unit.enable.map(shellLine).join(' && ')}`);
            return EXIT.ok;
          }
          mkdirSync(dirname(unit.file), { recursive: true });
          const tmp = `${unit.file}.${process.pid}.tmp`;
          writeFileSync(tmp, unit.content, { mode: 0o644 });
          renameSync(tmp, unit.file);
          io.out(`wrote ${unit.file}`);
          if (flags.enable) return runAll(unit.enable, io);
          io.out(`start it now and at every login with: ${unit.enable.map(shellLine).join(' && ')}`);
          return EXIT.ok;
        }
        if (flags.dryRun) {
          io.out(`would remove ${unit.file}${existsSync(unit.file) ? '' : ' (not installed)'}`);
          return EXIT.ok;
        }
        if (flags.disable) {
          const code = runAll(unit.disable, io);
          if (code !== EXIT.ok) return code;
        }
        if (!existsSync(unit.file)) {
          io.out(`${unit.file} is not installed`);
          return EXIT.ok;
        }
        rmSync(unit.file);
        io.out(`removed ${unit.file}`);
        if (!flags.disable) io.out(`if it is running, stop it with: ${unit.disable.map(shellLine).join(' && ')}`);
        return EXIT.ok;
      }),
    );
}

function runAll(cmds: string[][], io: { out(s: string): void; err(s: string): void }): number {
  for (const [cmd, ...args] of cmds) {
    io.out(`$ ${shellLine([cmd!, ...args])}`);
    try {
      execFileSync(cmd!, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 30_000 });
    } catch (e) {
      io.err(`error: ${shellLine([cmd!, ...args])} failed: ${(e as Error).message}`);
      return EXIT.error;
    }
  }
  return EXIT.ok;
}
