// Bench scenario (own process, one JSON line on stdout): boot-to-SSH of one QEMU VM through hostplane
// (an in-process Manager with the real QemuProvider and the ssh guest exec, from the spec file
// appearing to GuestReachable=True) against a bare qemu-system-x86_64 boot of the same guest image to
// an SSH answer (hack/qemu/measure-boot.ts), alternating, in the same run.
//   tsx hack/bench/qemu.ts bootToSsh [rounds]
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostManager } from '../../src/app/host-manager.js';
import { StateDir } from '../../src/controllers/state-dir.js';
import { QemuProvider } from '../../src/adapters/qemu/qemu-provider.js';
import { buildGuestImage } from '../../src/adapters/qemu/guest-image.js';
import { isAlive, readPid, sleep } from '../../src/adapters/qemu/proc.js';
import { createSshGuestExec } from '../../src/adapters/ssh/index.js';
import { getCondition } from '../../src/api/conditions.js';
import { bareBootToSsh, makeSshKey, median } from '../qemu/measure-boot.js';
import { recordDeletionIntent } from '../../src/controllers/deletion-guard.js';

const rounds = Number(process.argv[3]) || 3;
const TIMEOUT_MS = 180_000;

const vmDoc = (name: string, image: string) =>
  `apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: ${name}\nspec:\n  image: ${JSON.stringify(image)}\n  cpu: 1\n  memory: 256Mi\n  ssh: {user: root, keySecret: bench-key}\n`;

async function until(what: string, pred: () => boolean, timeoutMs = TIMEOUT_MS): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

async function main(root: string): Promise<object> {
  const image = await buildGuestImage();
  const specs = join(root, 'specs');
  mkdirSync(specs);
  const stateDir = new StateDir(join(root, 'state'));
  const { keyFile, pub } = makeSshKey(root);
  mkdirSync(stateDir.path('secrets'), { recursive: true });
  // The private key as hostplane's secret (ssh-keygen writes OpenSSH format, which ssh2 reads).
  writeFileSync(stateDir.path('secrets', 'bench-key'), readFileSync(keyFile, 'utf8'), { mode: 0o600 });
  chmodSync(stateDir.path('secrets', 'bench-key'), 0o600);
  const provider = new QemuProvider({ stateDir: stateDir.root, kvmSmokeGuest: { kernel: image.kernel, initrd: image.initrd, timeoutMs: 20_000 } });
  // Decide the accelerator (KVM smoke boot, cached) before any timing, for both sides alike.
  const verdict = await provider.accelerator();
  const guest = createSshGuestExec({ knownHostsDir: stateDir.ensure('known-hosts') });
  const manager = createHostManager({
    specsDir: specs,
    stateDir,
    provider,
    guest,
    log: { info() {}, warn() {} },
    graceMs: 500,
    pollIntervalMs: 5_000,
    capacity: { cpu: 8, memoryMiB: 64 * 1024, reservedMemoryMiB: 0 },
  });
  await manager.start();
  const cond = (name: string, type: string) => getCondition(manager.store.get('VirtualMachine', name)?.status?.conditions, type)?.status;
  const hostplaneMs: number[] = [];
  const readyMs: number[] = [];
  const bareMs: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const name = `bench${i}`;
      const t0 = performance.now();
      writeFileSync(join(specs, `${name}.yaml`), vmDoc(name, image.dir));
      await until(`${name} GuestReachable=True`, () => cond(name, 'GuestReachable') === 'True');
      hostplaneMs.push(Math.round(performance.now() - t0));
      await until(`${name} Ready=True`, () => cond(name, 'Ready') === 'True');
      readyMs.push(Math.round(performance.now() - t0));
      // Remove it (graceful power-down, delete) before the bare boot: one guest at a time on the CPU.
      // Announced first, as `hostplane delete` does: removing the only spec by hand pauses deletion (the guard).
      recordDeletionIntent(stateDir, `VirtualMachine/${name}`);
      rmSync(join(specs, `${name}.yaml`));
      await until(`${name} deleted`, () => !existsSync(join(provider.rootDir, name)) && !manager.store.get('VirtualMachine', name), 90_000);

      bareMs.push(await bareBootToSsh({ image, name: `bare${i}`, pub, keyFile, workDir: root, accelerator: verdict.accelerator, timeoutMs: TIMEOUT_MS }));
    }
  } finally {
    await manager.stop(20_000);
    await guest.close();
    // Anything left (a failed round): kill the qemu processes under this state dir by their pid files.
    for (const name of Array.from({ length: rounds }, (_, i) => `bench${i}`)) {
      const dir = join(provider.rootDir, name);
      const pid = readPid(join(dir, 'qemu.pid'));
      if (pid && isAlive(pid, dir)) process.kill(pid, 'SIGKILL');
    }
  }
  const h = median(hostplaneMs);
  const b = median(bareMs);
  return {
    hostplaneMs: h,
    bareMs: b,
    ratio: Math.round((h / b) * 100) / 100,
    accelerator: verdict.accelerator,
    acceleratorReason: verdict.reason,
    hostplaneReadyMs: median(readyMs),
    rounds,
    samples: { hostplaneMs, hostplaneReadyMs: readyMs, bareMs },
    measured: 'hostplane: spec file written → GuestReachable=True (ssh `true` as root); bare: qemu spawned → `ssh hostname` answers; median of rounds',
  };
}

const root = mkdtempSync(join(tmpdir(), 'hpq-'));
main(root)
  .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(root, { recursive: true, force: true }));
