// Crash-loop back-off for VMs that keep stopping behind hostplane's back (a `tart run` that fails
// late, a guest that panics at boot): like a kubelet's CrashLoopBackOff, the first restarts are
// immediate, then each further one waits twice as long, up to a cap. Pure: the caller keeps the
// history in the VM's record.

export interface CrashLoopPolicy {
  /** Stops older than this no longer count. */
  windowMs: number;
  /** This many stops within the window start the back-off. */
  threshold: number;
  /** The first back-off; doubles with every further stop. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_CRASH_LOOP: CrashLoopPolicy = { windowMs: 10 * 60_000, threshold: 3, baseMs: 10_000, maxMs: 5 * 60_000 };

/** Records a stop at `now`: the stops still in the window, and how long to wait before starting again (0: at once). */
export function recordUnexpectedStop(history: readonly string[] | undefined, now: Date, policy: CrashLoopPolicy): { stops: string[]; delayMs: number } {
  const since = now.getTime() - policy.windowMs;
  const stops = [...(history ?? []).filter((t) => Date.parse(t) > since), now.toISOString()].slice(-20);
  const over = stops.length - policy.threshold;
  const delayMs = over < 0 ? 0 : Math.min(policy.maxMs, policy.baseMs * 2 ** over);
  return { stops, delayMs };
}
