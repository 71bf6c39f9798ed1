// A test workload: pods labelled app=<name> share a total CPU demand, as replicas behind a
// Service share requests; everything else behaves as the default model.
import { DefaultWorkload, type ContainerContext, type UsageSample, type WorkloadModel } from '../workload.js';

export class SharedLoad implements WorkloadModel {
  private readonly base = new DefaultWorkload({ startDelayMs: 1000 });
  private running = new Map<string, number>();
  /** Total millicores the app's pods share. */
  totalMilli: number;

  constructor(readonly app: string, totalMilli: number) {
    this.totalMilli = totalMilli;
  }

  startDelayMs(): number {
    return this.base.startDelayMs();
  }

  start(ctx: ContainerContext, handle: Parameters<WorkloadModel['start']>[1]) {
    const uid = ctx.pod.metadata.uid ?? '';
    const mine = ctx.pod.metadata.labels?.app === this.app;
    if (mine) this.running.set(uid, 1);
    const inner = this.base.start(ctx, handle);
    return { stop: () => { this.running.delete(uid); inner.stop?.(); } };
  }

  usage(ctx: ContainerContext): UsageSample {
    if (ctx.pod.metadata.labels?.app !== this.app) return this.base.usage();
    return { cpuMilli: this.totalMilli / Math.max(1, this.running.size), memoryBytes: 32 * 1024 * 1024 };
  }
}
