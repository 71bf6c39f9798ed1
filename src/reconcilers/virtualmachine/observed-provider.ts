// A provider decorator: every call's outcome and duration reach one observer (metrics, the VM
// command log), without the adapters knowing about either.
import type { VmProvider } from '../../ports/vm-provider.js';

/** Wraps a provider so that every command's outcome and duration reach `observe` (metrics, command log). */
export function observedProvider(p: VmProvider, observe: (cmd: string, args: unknown[], ms: number, error?: unknown) => void): VmProvider {
  const wrap =
    <A extends unknown[], R>(cmd: string, fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const t = performance.now();
      try {
        const r = await fn(...a);
        observe(cmd, a, performance.now() - t);
        return r;
      } catch (err) {
        observe(cmd, a, performance.now() - t, err);
        throw err;
      }
    };
  return {
    name: p.name,
    list: wrap('list', () => p.list()),
    create: wrap('create', (r) => p.create(r)),
    start: wrap('start', (r) => p.start(r)),
    stop: wrap('stop', (n, o) => p.stop(n, o)),
    delete: wrap('delete', (n) => p.delete(n)),
    configure: wrap('configure', (n, r) => p.configure(n, r)),
    endpoint: wrap('endpoint', (n, o) => p.endpoint(n, o)),
    ip: wrap('ip', (n, o) => p.ip(n, o)),
    // No command runs: nothing to time or log.
    ...(p.known ? { known: (n: string) => p.known!(n) } : {}),
  };
}
