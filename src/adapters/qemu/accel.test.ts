// The KVM verdict is cached per kernel + qemu build, so what gets cached matters: a smoke boot that
// proved or disproved KVM is a verdict; one that was interrupted (hostplane stopped mid-probe) says
// nothing about KVM and must be retried next time. A stand-in qemu (a shell script) plays each case.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, accessSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseAccelerator } from './accel.js';

function kvmOpenable(): string | undefined {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return undefined;
  } catch (e) {
    return `/dev/kvm not usable here (${(e as NodeJS.ErrnoException).code}): the smoke boot is only attempted when it opens`;
  }
}
const noKvm = kvmOpenable();
if (noKvm) console.warn(`skipping accelerator probe tests: ${noKvm}`);

/** A `qemu-system` stand-in: answers -version, and on a boot runs `behaviour` with $SERIAL set. */
function fakeQemu(behaviour: string): { bin: string; runs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hostplane-fake-qemu-'));
  const bin = join(dir, 'qemu-system-x86_64');
  const runs = join(dir, 'runs');
  writeFileSync(
    bin,
    `#!/bin/bash
if [ "$1" = -version ]; then echo "QEMU emulator version 7.2.99 (hostplane test stand-in)"; exit 0; fi
echo boot >> ${JSON.stringify(runs)}
SERIAL=""
prev=""
for a in "$@"; do
  if [ "$prev" = -serial ]; then SERIAL="\${a#file:}"; fi
  prev="$a"
done
${behaviour}
`,
  );
  chmodSync(bin, 0o755);
  return { bin, runs };
}

const smoke = { kernel: '/nonexistent/vmlinuz', timeoutMs: 5_000 };
const boots = (runs: string) => (existsSync(runs) ? readFileSync(runs, 'utf8').trim().split('\n').length : 0);

describe.skipIf(!!noKvm)('chooseAccelerator with a smoke boot', () => {
  it.each([
    {
      reason: 'a guest that reaches userspace proves KVM, and the verdict is cached',
      behaviour: 'echo "init: READY" > "$SERIAL"; exec sleep 10',
      accelerator: 'kvm',
      cached: true,
      reasonMatch: /kvm smoke boot passed/,
    },
    {
      reason: "qemu's own assertion under a broken KVM (SIGABRT) disproves KVM, and the verdict is cached",
      behaviour: 'echo "failed to set MSR 0x10a" >&2; kill -ABRT $$',
      accelerator: 'tcg',
      cached: true,
      reasonMatch: /kvm smoke boot failed: .*SIGABRT/,
    },
    {
      reason: 'a probe ended by SIGTERM (hostplane told to stop) says nothing about KVM and is not cached',
      behaviour: 'kill -TERM $$',
      accelerator: 'tcg',
      cached: false,
      reasonMatch: /kvm unproven: the smoke boot was interrupted/,
    },
    {
      reason: 'a probe whose qemu reports "terminating on signal" is not cached either',
      behaviour: 'echo "qemu-system-x86_64: terminating on signal 2 from pid 1" >&2; exit 0',
      accelerator: 'tcg',
      cached: false,
      reasonMatch: /kvm unproven: the smoke boot was interrupted/,
    },
  ])('$reason', async ({ behaviour, accelerator, cached, reasonMatch }) => {
    const qemu = fakeQemu(behaviour);
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'hostplane-accel-cache-')), 'kvm.json');
    const first = await chooseAccelerator({ qemu: qemu.bin, mode: 'auto', cacheFile, smoke });
    expect(first.accelerator).toBe(accelerator);
    expect(first.reason).toMatch(reasonMatch);
    expect(existsSync(cacheFile)).toBe(cached);

    // Asked again: a cached verdict is reused without booting; an uncached one boots again.
    const second = await chooseAccelerator({ qemu: qemu.bin, mode: 'auto', cacheFile, smoke });
    expect(second.accelerator).toBe(accelerator);
    expect(boots(qemu.runs)).toBe(cached ? 1 : 2);
  });

  it('probes again when the qemu build changes (the cache key holds its version)', async () => {
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'hostplane-accel-cache-')), 'kvm.json');
    const broken = fakeQemu('kill -ABRT $$');
    expect((await chooseAccelerator({ qemu: broken.bin, mode: 'auto', cacheFile, smoke })).accelerator).toBe('tcg');
    const fixed = fakeQemu('echo "init: READY" > "$SERIAL"; exec sleep 10');
    writeFileSync(fixed.bin, readFileSync(fixed.bin, 'utf8').replace('7.2.99', '8.0.0'));
    expect((await chooseAccelerator({ qemu: fixed.bin, mode: 'auto', cacheFile, smoke })).accelerator).toBe('kvm');
    expect(boots(fixed.runs)).toBe(1);
  });
});

describe('chooseAccelerator without a smoke boot', () => {
  it.each([
    { mode: 'tcg' as const, accelerator: 'tcg' },
    { mode: 'kvm' as const, accelerator: 'kvm' },
  ])('uses $accelerator when configured to, without booting anything', async ({ mode, accelerator }) => {
    const qemu = fakeQemu('exit 1');
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'hostplane-accel-cache-')), 'kvm.json');
    const v = await chooseAccelerator({ qemu: qemu.bin, mode, cacheFile, smoke });
    expect(v).toMatchObject({ accelerator, reason: 'forced by configuration', probed: false });
    expect(boots(qemu.runs)).toBe(0);
  });
});
