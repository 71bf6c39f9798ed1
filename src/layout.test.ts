// The import rules of README's "Layout" section, as dependency-cruiser checks them
// (.dependency-cruiser.cjs): src/ keeps them, and each kind of wrong import is caught.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  rule: string;
  from: string;
  to: string;
}

function cruise(cwd: string): Promise<{ violations: Violation[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 25_000 }, (err, stdout, stderr) => {
      const out = JSON.parse(stdout || '{"summary":{"violations":[]}}') as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
      resolve({ stderr, violations: out.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })) });
    });
  });
}

describe('import rules', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('src/ keeps every rule', async () => {
    const r = await cruise(ROOT);
    expect(r.violations).toEqual([]);
  });

  it('names the rule a wrong import breaks', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hp-layout-'));
    dirs.push(d);
    const file = (rel: string, text: string) => {
      mkdirSync(dirname(join(d, rel)), { recursive: true });
      writeFileSync(join(d, rel), text);
    };
    // The targets exist and import nothing.
    for (const t of ['controllers/store', 'controllers/clock', 'reconcilers/cluster/steps', 'adapters/tart/tart', 'adapters/ssh/ssh', 'app/up', 'controllers/state-dir', 'ports/vm-provider', 'api/types'])
      file(`src/${t}.ts`, 'export const x = 1;\n');
    const probes: [string, string, string][] = [
      ['src/api/wrong.ts', '../controllers/store.js', 'api-is-the-object-model'],
      ['src/controllers/wrong.ts', '../reconcilers/cluster/steps.js', 'controllers-are-kind-agnostic'],
      ['src/reconcilers/virtualmachine/wrong.ts', '../../adapters/tart/tart.js', 'kinds-use-ports-not-adapters'],
      ['src/reconcilers/addon/wrong.ts', '../cluster/steps.js', 'kinds-keep-to-their-folder'],
      ['src/adapters/qemu/wrong.ts', '../../controllers/state-dir.js', 'adapters-implement-ports'],
      ['src/adapters/tart/wrong.ts', '../ssh/ssh.js', 'adapters-keep-to-their-folder'],
      ['src/sim/host/wrong.ts', '../../controllers/store.js', 'sim-implements-ports'],
      ['src/server/wrong.ts', '../app/up.js', 'only-the-app-wires'],
      ['src/cli/wrong.ts', '../adapters/tart/tart.js', 'cli-goes-through-the-app'],
    ];
    for (const [from, spec] of probes) file(from, `import { x } from '${spec}';\nexport const y = x;\n`);
    // Allowed: the sim may use the clock, a kind its ports, an adapter the ports.
    file('src/sim/host/fine.ts', "import { x } from '../../controllers/clock.js';\nexport const y = x;\n");
    file('src/reconcilers/cluster/fine.ts', "import { x } from '../../ports/vm-provider.js';\nexport const y = x;\n");
    file('src/adapters/tart/fine.ts', "import { x } from '../../ports/vm-provider.js';\nimport { x as t } from '../../api/types.js';\nexport const y = x + t;\n");

    const r = await cruise(d);
    const got = r.violations.map((v) => [v.from, v.rule]).sort();
    // The server importing the app breaks two rules: the server's own list, and only-the-app-wires.
    const want = [...probes.map(([from, , rule]) => [from, rule]), ['src/server/wrong.ts', 'server-serves-the-runtime']];
    expect(got).toEqual(want.sort());
  });
});
