// How soon a booting VM is looked at again, without any reconcile waiting for it: SSH is probed
// again tight at first (a guest's sshd is often up within a second of its address), then every
// second; an address is asked of the provider's shared waiter in the background, which wakes the
// VM the moment it has one (instead of a fixed requeue that lands just before or after it).

export const FIRST_PROBE_RETRY_MS = 200;
export const MAX_PROBE_RETRY_MS = 1_000;
/** One SSH probe of a guest not yet reachable holds a worker at most this long at first (ms)… */
export const FIRST_PROBE_TIMEOUT_MS = 3_000;
/** …doubling after each probe that timed out, up to this (a loaded host's slow handshake still gets through). */
export const MAX_PROBE_TIMEOUT_MS = 15_000;

export class BootWaits {
  private readonly attempts = new Map<string, number>();
  private readonly watching = new Set<string>();
  private readonly timeouts = new Map<string, number>();

  /** The delay before the next SSH probe of `key`: 200, 400, 800, then 1000 ms. */
  nextProbe(key: string): number {
    const n = this.attempts.get(key) ?? 0;
    this.attempts.set(key, n + 1);
    return Math.min(MAX_PROBE_RETRY_MS, FIRST_PROBE_RETRY_MS * 2 ** n);
  }

  /** SSH answered (or the VM went away): the next wait starts tight again. */
  probed(key: string): void {
    this.attempts.delete(key);
    this.timeouts.delete(key);
  }

  /** How long the next SSH probe of a booting `key` may take: 3 s, then 6, 12, 15 s after timeouts. */
  probeTimeout(key: string): number {
    return Math.min(MAX_PROBE_TIMEOUT_MS, FIRST_PROBE_TIMEOUT_MS * 2 ** (this.timeouts.get(key) ?? 0));
  }

  /** A probe of `key` ran out of time: the next one gets longer. */
  timedOut(key: string): void {
    this.timeouts.set(key, (this.timeouts.get(key) ?? 0) + 1);
  }

  /** Runs `wait` in the background, once per key at a time; calls `wake(key)` when it yields something. */
  watch(key: string, wait: () => Promise<unknown>, wake: (key: string) => void): void {
    if (this.watching.has(key)) return;
    this.watching.add(key);
    wait().then(
      (found) => {
        this.watching.delete(key);
        if (found) wake(key);
      },
      () => this.watching.delete(key), // the next reconcile asks again
    );
  }

  /** Whether a background wait for `key` is pending (tests). */
  isWatching(key: string): boolean {
    return this.watching.has(key);
  }
}
