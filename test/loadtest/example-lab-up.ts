// The example lab's dev cluster under a real `hostplane up` process on the sim host, time-scaled:
// its VMs, the real Cluster controller (kubeadm in the sim guests), the real Addon controller
// (the real helm binary installing the stand-in charts and the demo manifests) and the LoadTest
// controller, all as `up` runs them. Tests talk to it as a user does: `hostplane run|runs|results`
// as processes, which find the API through <state>/up.json.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startUp, type CliResult, type UpProcess } from '../fixtures/cli.js';

const ROOT = join(import.meta.dirname, '../..');

export interface ExampleLab {
  root: string;
  specs: string;
  state: string;
  cleanup(): void;
}

/**
 * A copy of the example lab's dev cluster: specs/{vms,clusters,addons}/dev.yaml, the 13 presets and
 * manifests/. `extra`: more spec files (path under specs/ → text).
 */
export function exampleLab(extra: Record<string, string> = {}, o: { presets?: boolean } = {}): ExampleLab {
  const root = mkdtempSync(join(tmpdir(), 'hostplane-ltlab-'));
  const specs = join(root, 'specs');
  for (const dir of ['vms', 'clusters', 'addons']) {
    mkdirSync(join(specs, dir), { recursive: true });
    writeFileSync(join(specs, dir, 'dev.yaml'), readFileSync(join(ROOT, 'specs', dir, 'dev.yaml')));
  }
  if (o.presets !== false) cpSync(join(ROOT, 'specs/loadtests'), join(specs, 'loadtests'), { recursive: true });
  cpSync(join(ROOT, 'manifests'), join(root, 'manifests'), { recursive: true });
  for (const [rel, text] of Object.entries(extra)) {
    mkdirSync(join(specs, rel, '..'), { recursive: true });
    writeFileSync(join(specs, rel), text);
  }
  return { root, specs, state: join(root, '.hostplane'), cleanup: () => rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }) };
}

export const presetNames = (): string[] =>
  readdirSync(join(ROOT, 'specs/loadtests')).flatMap((f) => [...readFileSync(join(ROOT, 'specs/loadtests', f), 'utf8').matchAll(/^kind: LoadTest\nmetadata:\n {2}name: (\S+)/gm)].map((m) => m[1]!));

export interface RunningUp {
  up: UpProcess;
  url: string;
  pid: number;
  /** `hostplane --specs --state ARGS` as a process. */
  cli(args: string[], timeoutMs?: number): Promise<CliResult>;
  api<T = any>(path: string): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Starts `hostplane up` on the lab (sim host, --listen 127.0.0.1:0, time-scaled) and waits for its up.json. */
export async function startLabUp(lab: ExampleLab, timeScale: number, timeoutMs = 60_000): Promise<RunningUp> {
  const up = startUp(['--specs', lab.specs, '--state', lab.state, '--provider', 'sim', '--listen', '127.0.0.1:0', '--sim-scale', '0.02', '--sim-time-scale', String(timeScale), '--quiet']);
  try {
    await up.waitForOutput(/api: +http:\/\/127\.0\.0\.1:\d+/, timeoutMs);
  } catch (e) {
    await up.kill9();
    throw e;
  }
  const rec = JSON.parse(readFileSync(join(lab.state, 'up.json'), 'utf8')) as { url: string; pid: number };
  return {
    up,
    url: rec.url,
    pid: rec.pid,
    cli: (args, t = 60_000) => runCli(['--specs', lab.specs, '--state', lab.state, ...args], {}, t),
    async api(path) {
      const res = await fetch(`${rec.url}/api/v1/${path}`);
      return (await res.json()) as never;
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ready = (o: any) => (o.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === o.metadata.generation);

/** Waits (bounded, real time) until the named objects of a kind are Ready=True; names what is not. */
export async function waitReady(u: RunningUp, plural: string, names: string[] | 'all', timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (u.up.child.exitCode !== null || u.up.child.signalCode !== null) throw new Error(`hostplane up exited (${u.up.child.exitCode ?? u.up.child.signalCode}):\n${u.up.output().slice(-3000)}`);
    let items: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      items = ((await u.api<any>(plural)).items ?? []) as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    } catch (e) {
      // a reset connection under load: ask again (the exit check above catches a dead up)
      if (Date.now() > until) throw new Error(`the API of up did not answer within ${timeoutMs} ms: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    const want = names === 'all' ? items : items.filter((o) => names.includes(o.metadata.name));
    const notReady = want.filter((o) => !ready(o));
    if (want.length > 0 && notReady.length === 0 && (names === 'all' || want.length === names.length)) return;
    if (Date.now() > until) {
      throw new Error(`${plural} not Ready within ${timeoutMs} ms: ${notReady.map((o) => `${o.metadata.name}: ${JSON.stringify((o.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready')?.message)}`).join('; ') || 'missing'}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
