// The CRD's conditions description is what `hostplane explain vm.status.conditions` prints, so a
// person reading it must find every condition type and every reason the VM reconciler can set.
// The reasons are collected from the code that sets them, so a new reason fails here until it is
// documented.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VM_CONDITIONS } from './status.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

function conditionsDescription(): string {
  const crd = parse(read('crds/virtualmachine.yaml'));
  return crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.conditions.description as string;
}

const all = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1]!);

/** Every reason literal the VM reconciler, its steps and the provider/guest ports can produce. */
function reasonsInCode(): Map<string, string> {
  const found = new Map<string, string>();
  const add = (names: string[], from: string) => names.forEach((n) => found.set(n, from));
  const status = read('src/reconcilers/virtualmachine/status.ts');
  const steps = read('src/reconcilers/virtualmachine/steps.ts');
  add(all(status, /reason: '([A-Za-z]+)'/g), 'status.ts');
  add(all(steps, /(?:StepError|TerminalError)\('([A-Za-z]+)'/g), 'steps.ts');
  add(all(steps, /waitFor\(\s*[\d_]+,\s*'([A-Za-z]+)'/g), 'steps.ts waitFor');
  add(all(steps, /reportInterim\?\.\('[a-z]+', '([A-Za-z]+)'/g), 'steps.ts reportInterim');
  add(all(steps, /reason: '([A-Za-z]+)'/g), 'steps.ts');
  // provider(s, 'create', …) turns a failed command into CreateFailed, and so on.
  add(all(steps, /provider\(s, '([a-z]+)'/g).map((w) => `${w[0]!.toUpperCase()}${w.slice(1)}Failed`), 'steps.ts provider()');
  const codes = /export type ProviderErrorCode =([^;]+);/.exec(read('src/ports/vm-provider.ts'))![1]!;
  add(all(codes, /'([A-Za-z]+)'/g).filter((c) => c !== 'InvalidArgument' && c !== 'CommandFailed'), 'ProviderErrorCode');
  // Unreachable and Timeout from the guest port become SSHUnreachable; the other codes are reasons as they are.
  const guestCodes = /export type GuestErrorCode =([^;]+);/.exec(read('src/ports/guest-exec.ts'))![1]!;
  add(all(guestCodes, /'([A-Za-z]+)'/g).filter((c) => c !== 'Unreachable' && c !== 'Timeout'), 'GuestErrorCode');
  add(all(read('src/controllers/host-capacity.ts'), /'(Insufficient[A-Za-z]+)'/g), 'host-capacity.ts');
  add(all(read('src/controllers/framework.ts'), /reason: '([A-Za-z]+)'/g), 'framework.ts');
  add(all(read('src/controllers/framework.ts'), /: '([A-Z][A-Za-z]+Error)'/g), 'framework.ts');
  return found;
}

describe('VirtualMachine conditions documentation', () => {
  it('lists exactly the condition types the status function sets, in its order', () => {
    const listed = all(conditionsDescription(), /^- ([A-Za-z]+):/gm);
    expect(listed).toEqual([...VM_CONDITIONS]);
  });

  it('names every reason the reconciler can set', () => {
    const doc = conditionsDescription();
    const reasons = reasonsInCode();
    expect(reasons.size).toBeGreaterThan(25); // the collection itself must keep working
    const missing = [...reasons].filter(([r]) => !new RegExp(`\\b${r}\\b`).test(doc)).map(([r, from]) => `${r} (${from})`);
    expect(missing).toEqual([]);
  });
});

describe('VirtualMachine condition vocabulary (conditions.ts)', () => {
  it('holds every reason the reconciler can set', async () => {
    const { VM_CONDITION_REASONS } = await import('./conditions.js');
    const vocabulary = new Set<string>(Object.values(VM_CONDITION_REASONS).flat());
    const outside = [...reasonsInCode()].filter(([r]) => !vocabulary.has(r)).map(([r, from]) => `${r} (${from})`);
    expect(outside).toEqual([]);
  });
});
