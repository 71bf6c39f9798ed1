// Container logs as the kubelet keeps them: per pod uid and container, the current and the
// previous instance, each line stamped with the clock's time, bounded in size.
import type { PodLogOptions, PodLogSource, ObjectStore } from '../object-store.js';
import type { Clock } from '../../../controllers/clock.js';
import { R, type Obj } from './util.js';

const MAX_LINES = 10_000;

interface Line { t: number; text: string }
interface Instance { lines: Line[]; partial: string; ended: boolean; followers: Set<{ chunk(s: string): void; end(): void }> }

function statusError(code: number, reason: string, message: string): Error {
  return Object.assign(new Error(message), { code, reason, message });
}

export class LogBook implements PodLogSource {
  private byPod = new Map<string, Map<string, { current?: Instance; previous?: Instance }>>();

  constructor(private readonly store: ObjectStore, private readonly clock: Clock) {}

  /** A container (re)started: the current instance becomes the previous one. */
  startInstance(podUid: string, container: string): void {
    const c = this.entry(podUid, container);
    if (c.current) this.endInstance(podUid, container);
    c.previous = c.current;
    c.current = { lines: [], partial: '', ended: false, followers: new Set() };
  }

  append(podUid: string, container: string, text: string): void {
    const inst = this.entry(podUid, container).current;
    if (!inst || inst.ended) return;
    const s = inst.partial + text;
    const parts = s.split('\n');
    inst.partial = parts.pop() ?? '';
    const t = this.clock.now();
    for (const p of parts) inst.lines.push({ t, text: p });
    if (inst.lines.length > MAX_LINES) inst.lines.splice(0, inst.lines.length - MAX_LINES);
    if (parts.length) {
      const chunk = parts.map((p) => `${p}\n`).join('');
      for (const f of inst.followers) f.chunk(chunk);
    }
  }

  endInstance(podUid: string, container: string): void {
    const inst = this.entry(podUid, container).current;
    if (!inst || inst.ended) return;
    if (inst.partial) this.append(podUid, container, '\n');
    inst.ended = true;
    for (const f of [...inst.followers]) f.end();
    inst.followers.clear();
  }

  forget(podUid: string): void {
    for (const [name] of this.byPod.get(podUid) ?? []) this.endInstance(podUid, name);
    this.byPod.delete(podUid);
  }

  private entry(podUid: string, container: string): { current?: Instance; previous?: Instance } {
    let m = this.byPod.get(podUid);
    if (!m) this.byPod.set(podUid, (m = new Map()));
    let c = m.get(container);
    if (!c) m.set(container, (c = {}));
    return c;
  }

  read(namespace: string, podName: string, opts: PodLogOptions): { text: string; follow(onChunk: (c: string) => void, onEnd: () => void): () => void } {
    const pod = this.store.get(R.pods, namespace, podName) as Obj | undefined;
    if (!pod) throw statusError(404, 'NotFound', `pods "${podName}" not found`);
    const names: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
    const initNames: string[] = (pod.spec?.initContainers ?? []).map((c: { name: string }) => c.name);
    let container = opts.container;
    if (!container) {
      if (names.length !== 1) {
        throw statusError(400, 'BadRequest', `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]${initNames.length ? ` or one of the init containers: [${initNames.join(' ')}]` : ''}`);
      }
      container = names[0];
    }
    if (!names.includes(container) && !initNames.includes(container)) {
      throw statusError(400, 'BadRequest', `container ${container} is not valid for pod ${podName}`);
    }
    const entry = this.byPod.get(pod.metadata.uid ?? '')?.get(container);
    const inst = opts.previous ? entry?.previous : entry?.current;
    if (!inst) {
      if (opts.previous) throw statusError(400, 'BadRequest', `previous terminated container "${container}" in pod "${podName}" not found`);
      const st = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s: { name: string }) => s.name === container);
      const reason = st?.state?.waiting?.reason ?? 'ContainerCreating';
      throw statusError(400, 'BadRequest', `container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
    }
    const now = this.clock.now();
    let lines = inst.lines;
    if (opts.sinceSeconds !== undefined) lines = lines.filter((l) => l.t >= now - opts.sinceSeconds! * 1000);
    if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines);
    const fmt = (l: Line) => (opts.timestamps ? `${new Date(l.t).toISOString().replace(/Z$/, '000000Z')} ${l.text}\n` : `${l.text}\n`);
    const text = lines.map(fmt).join('');
    return {
      text,
      follow: (onChunk, onEnd) => {
        if (inst.ended || opts.previous) {
          onEnd();
          return () => {};
        }
        const f = {
          chunk: (s: string) => {
            if (!opts.timestamps) return onChunk(s);
            const t = new Date(this.clock.now()).toISOString().replace(/Z$/, '000000Z');
            onChunk(s.split('\n').filter((x, i, a) => i < a.length - 1 || x).map((x) => `${t} ${x}\n`).join(''));
          },
          end: onEnd,
        };
        inst.followers.add(f);
        return () => inst.followers.delete(f);
      },
    };
  }
}
