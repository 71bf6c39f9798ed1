// Test helpers for anything that runs the tart simulator as a separate process.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Home, crashRun } from './src/storage.js';

export const SIM_DIR = path.dirname(fileURLToPath(import.meta.url));
export const SIM_BIN_DIR = path.join(SIM_DIR, 'bin');
export const SIM_TART = path.join(SIM_BIN_DIR, 'tart');

export interface SimHome {
  home: string;
  callLog: string;
  env: Record<string, string>;
  /** Runs the simulator synchronously (like a script would run tart). */
  tart(args: string[], extraEnv?: Record<string, string>): SpawnSyncReturns<string>;
  /** argv of every simulator invocation so far. */
  calls(): string[][];
  /** A host crash for one running VM: its `tart run` dies, tart keeps calling it running, `tart ip` finds nothing (seed 003 BUG-009). */
  crash(name: string): void;
  /** SIGKILLs every `tart run` (and its guest) still holding a VM in this home, then removes it. */
  cleanup(): void;
}

export function makeSimHome(extraEnv: Record<string, string> = {}): SimHome {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tart-sim-'));
  const callLog = path.join(home, 'calls.jsonl');
  const env: Record<string, string> = {
    PATH: `${SIM_BIN_DIR}${path.delimiter}${process.env.PATH ?? ''}`,
    TART_HOME: path.join(home, 'tart'),
    TART_SIM_CALL_LOG: callLog,
    TART_SIM_BOOT_MS: '200',
    ...extraEnv,
  };
  return {
    home,
    callLog,
    env,
    tart(args, more = {}) {
      return spawnSync(SIM_TART, args, { env: { ...process.env, ...env, ...more }, encoding: 'utf8', timeout: 30_000 });
    },
    calls() {
      try {
        return fs
          .readFileSync(callLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { argv: string[] }).argv);
      } catch {
        return [];
      }
    },
    crash(name) {
      crashRun(new Home({ TART_HOME: env.TART_HOME }), name);
    },
    cleanup() {
      killAllRuns(path.join(home, 'tart'));
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

export function killAllRuns(tartHome: string): void {
  const vms = path.join(tartHome, 'vms');
  let names: string[] = [];
  try {
    names = fs.readdirSync(vms);
  } catch {
    return;
  }
  for (const n of names) {
    let st: { pid?: number; guest?: { pid?: number } } | undefined;
    try {
      st = JSON.parse(fs.readFileSync(path.join(vms, n, '.tart-sim-run.json'), 'utf8'));
    } catch {
      continue;
    }
    for (const pid of [st?.pid, st?.guest?.pid]) {
      if (!pid) continue;
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          /* not a group leader / gone */
        }
      }
    }
  }
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
