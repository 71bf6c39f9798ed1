// core/v1 Events as client-go's EventRecorder writes them: one object per (source, involved object,
// type, reason, message), the second and later occurrences bump count and lastTimestamp.
import type { ObjectStore } from '../object-store.js';
import type { Clock } from '../../../controllers/clock.js';
import { R, rfc3339, type Obj } from './util.js';
import type { SeededRandom } from './runtime.js';

export interface EventSource {
  component: string;
  host?: string;
}

export class EventRecorder {
  private seen = new Map<string, { namespace: string; name: string }>();

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly rand: SeededRandom,
  ) {}

  emit(source: EventSource, obj: Obj, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const namespace = obj.metadata.namespace || 'default';
    const involved = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      ...(obj.fieldPath ? { fieldPath: obj.fieldPath } : {}),
    };
    const key = [source.component, source.host ?? '', obj.kind, namespace, obj.metadata.name, obj.metadata.uid, obj.fieldPath ?? '', type, reason, message].join('\u0000');
    const now = rfc3339(this.clock.now());
    try {
      const prior = this.seen.get(key);
      if (prior) {
        const ev = this.store.get(R.events, prior.namespace, prior.name) as Obj | undefined;
        if (ev) {
          this.store.update(R.events, { ...ev, count: (ev.count ?? 1) + 1, lastTimestamp: now });
          return;
        }
      }
      const name = `${obj.metadata.name}.${(this.clock.now() * 1e6).toString(16).slice(-10)}${this.rand.hex(6)}`;
      this.store.create(R.events, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: involved,
        reason,
        message,
        source: source.host ? { component: source.component, host: source.host } : { component: source.component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: source.component,
        reportingInstance: source.host ?? '',
      });
      this.seen.set(key, { namespace, name });
    } catch {
      // Events are best effort, as in client-go (a terminating namespace refuses them).
    }
  }
}
