// The sim host's guest: scripts "run" with latency and injectable failures; the hostname a
// provisioning script sets is remembered so the demo shows it.
import type { GuestExec, GuestTarget, RunOptions, RunResult } from '../../ports/guest-exec.js';
import { GuestError } from '../../ports/guest-exec.js';
import type { SimVmProvider } from './sim-vm-provider.js';
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
    const hostname = script.includes('hostnamectl set-hostname') ? /^h='([^']+)'$/m.exec(script)?.[1] : undefined;
    this.host.recordGuestCommand(vm, hostname);
    opts.onOutput?.(`[sim] ran ${script.split('\n').length} lines\n`, 'stdout');
    return { code: 0, stdout: '', stderr: '' };
  }

  async upload(target: GuestTarget): Promise<void> {
    await this.host.guestDelay();
    if (!this.host.guestAt(target.host)) throw new GuestError('Unreachable', `no simulated guest answers at ${target.host}:${target.port}`);
  }

  forget(): void {}

  async close(): Promise<void> {}
}
