// The sim host's guest: scripts are interpreted (src/sim/host/sim-shell.ts) against the VM's
// simulated system, with latency and injectable failures — never run by a shell on the host.
import type { GuestExec, GuestTarget, RunOptions, RunResult } from '../../ports/guest-exec.js';
import { GuestError } from '../../ports/guest-exec.js';
import type { SimVmProvider } from './sim-vm-provider.js';
import { SimShell } from './sim-shell.js';
import { simNodeCommands } from './sim-node-commands.js';
import { SIM_GUEST_METRICS_MARKER, simGuestMetricsOutput } from './sim-guest-metrics.js';

export class SimGuestExec implements GuestExec {
  constructor(private readonly host: SimVmProvider) {}

  async run(target: GuestTarget, script: string, opts: RunOptions = {}): Promise<RunResult> {
    await this.host.guestDelay();
    const vm = this.host.guestAt(target.host);
    if (!vm) throw new GuestError('Unreachable', `no simulated guest answers at ${target.host}:${target.port}`);
    const failure = this.host.takeFault('guest', vm.name);
    if (failure) {
      opts.onOutput?.(failure + '\n', 'stderr');
      return { code: 1, stdout: '', stderr: failure };
    }
    // The dashboard's metrics read (src/app/collectors/guest-metrics.ts) is answered from the model.
    if (script.startsWith(SIM_GUEST_METRICS_MARKER)) return { code: 0, stdout: simGuestMetricsOutput(vm, Date.now()), stderr: '' };
    const state = this.host.guestState(vm);
    const before = JSON.stringify(state);
    const clusters = this.host.clusters;
    // A restarted host brings this VM's API servers back first; other clusters' starts go on meanwhile.
    if (clusters) await clusters.sync(this.host.clusterVms(), clusters.concerns(vm.name));
    const extra = clusters ? simNodeCommands({ vm: { name: vm.name, ip: vm.ip!, running: true, cpu: vm.cpu, memoryMiB: vm.memoryMiB }, clusters }) : {};
    const result = new SimShell(state, extra).run(script, opts.env);
    if (clusters) await clusters.settle(clusters.concerns(vm.name)); // kubeadm returns once its API server listens
    this.host.recordGuestCommand(vm);
    if (JSON.stringify(state) !== before) this.host.saveGuest(vm);
    if (result.stdout) opts.onOutput?.(result.stdout, 'stdout');
    if (result.stderr) opts.onOutput?.(result.stderr, 'stderr');
    return result;
  }

  async upload(target: GuestTarget, path: string, content: string | Buffer, opts: { mode?: number } = {}): Promise<void> {
    await this.host.guestDelay();
    const vm = this.host.guestAt(target.host);
    if (!vm) throw new GuestError('Unreachable', `no simulated guest answers at ${target.host}:${target.port}`);
    this.host.guestState(vm).files[path] = { content: content.toString(), mode: opts.mode ?? 0o644, owner: 'root' };
    this.host.saveGuest(vm);
  }

  forget(): void {}

  async close(): Promise<void> {
    await this.host.clusters?.close();
  }
}
