import { Show, createMemo, createResource, createSignal, type JSX } from 'solid-js';
import { getJson, postAction } from '../api/client';
import type { HostObject, LastReconcile, ReconcileInfo, SpecError } from '../api/types';
import { ConditionsTable } from '../components/ConditionsTable';
import { DependencyGraph } from '../components/DependencyGraph';
import { DiffView } from '../components/DiffView';
import { EventList } from '../components/EventList';
import { SpecErrorsBanner } from '../components/SpecErrors';
import { Pill, ReadyBadge } from '../components/StatusBadge';
import { YamlView } from '../components/YamlView';
import { VmMetrics } from '../components/VmMetrics';
import { isStale, lastReconcile, readiness, summaryCondition } from '../lib/ready';
import { ago, now } from '../lib/time';
import { Link } from '../router';
import { kindByPlural, state } from '../store/resources';

interface SourceInfo {
  file?: string;
  line?: number;
  col?: number;
}

function fmtDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function resultLabel(r: LastReconcile): string {
  switch (r.result) {
    case 'requeueAfter':
      return r.requeueAfterMs !== undefined ? `requeue after ${fmtDuration(r.requeueAfterMs)}` : 'requeue after';
    case 'terminal':
      return r.reason ? `terminal (${r.reason})` : 'terminal';
    default:
      return r.result;
  }
}

/** "12s ago · 41 ms · done", measured by the controller; or the old guess, labelled as one; or "never". */
function LastReconcileFact(props: { info: ReconcileInfo | null | undefined; object: HostObject }): JSX.Element {
  const last = () => props.info?.lastReconcile ?? undefined;
  const guess = () => lastReconcile(props.object);
  return (
    <dd data-testid="last-reconcile" class="last-reconcile" data-result={last()?.result ?? (guess() ? 'guessed' : 'never')}>
      <Show
        when={last()}
        fallback={
          <span title={guess() ? `hostplane has not reconciled this object since it started; ${guess()} is the newest condition change` : undefined}>
            {guess() ? `${ago(guess(), now())} ago (guessed from conditions)` : 'never'}
          </span>
        }
      >
        {(r) => (
          <span title={r().message ? `${r().result}: ${r().message}` : `started ${r().startTime}, finished ${r().finishTime}`}>
            {ago(r().startTime, now())} ago · {fmtDuration(r().durationMs)} · <span class={r().result === 'error' || r().result === 'terminal' ? 'error' : undefined}>{resultLabel(r())}</span>
          </span>
        )}
      </Show>
      <Show when={props.info?.inFlight}>
        {' '}
        <Pill tone="info" title="A reconcile of this object is running now">
          reconciling
        </Pill>
      </Show>
    </dd>
  );
}

export function ResourceDetail(props: { params: Record<string, string> }): JSX.Element {
  const info = () => kindByPlural(props.params.plural);
  const key = () => `${info()?.kind}/${props.params.name}`;
  const obj = () => state.objects[key()];
  const events = createMemo(() => state.events.filter((e) => e.object === key()));
  const specErrors = createMemo<SpecError[]>(() => state.specErrors.filter((e) => e.object === key()));
  const [source] = createResource(
    () => (obj() ? `${props.params.plural}/${encodeURIComponent(props.params.name)}#${obj()!.metadata.generation}` : undefined),
    (k) => getJson<SourceInfo>(`/api/v1/${k.split('#')[0]}/source`).catch(() => ({}) as SourceInfo),
  );
  // Refetched when the object changes and on the 5 s clock; `latest` keeps the old value shown meanwhile.
  const [reconcile] = createResource(
    () => (obj() ? `${props.params.plural}/${encodeURIComponent(props.params.name)}#${obj()!.metadata.resourceVersion}#${now()}` : undefined),
    (k) => getJson<ReconcileInfo>(`/api/v1/${k.split('#')[0]}/reconcile`).catch(() => null),
  );
  const observedSupported = () => {
    const schema = info()?.schema as { properties?: { status?: { properties?: Record<string, unknown> } } } | undefined;
    return !!schema?.properties?.status?.properties?.observed;
  };
  const [busy, setBusy] = createSignal(false);
  const [notice, setNotice] = createSignal<{ tone: 'good' | 'bad'; text: string } | null>(null);
  const act = async (verb: 'reconcile' | 'suspend' | 'resume') => {
    setBusy(true);
    setNotice(null);
    try {
      const msg = await postAction(`/api/v1/${props.params.plural}/${encodeURIComponent(props.params.name)}/${verb}`);
      setNotice({ tone: 'good', text: msg });
    } catch (err) {
      setNotice({ tone: 'bad', text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };
  // spec.suspend (declarative) or `hostplane suspend` (a runtime hold: Suspended condition, or Ready reason Suspended).
  const suspended = () =>
    (obj()?.spec as { suspend?: unknown } | undefined)?.suspend === true ||
    (obj()?.status?.conditions ?? []).some((c) => (c.type === 'Suspended' && c.status === 'True') || (c.type === 'Ready' && c.reason === 'Suspended'));

  return (
    <Show
      when={obj()}
      fallback={
        <div class="page">
          <h1>
            {info()?.kind ?? props.params.plural} {props.params.name}
          </h1>
          <p class="muted">{state.loaded ? 'Not found. It may have been deleted, or its spec does not parse (see the spec errors on the overview).' : 'Loading…'}</p>
          <Link href={`/resources/${props.params.plural}`}>Back to the list</Link>
        </div>
      }
    >
      {(o) => (
        <div class="page detail" data-key={key()}>
          <nav class="crumbs" aria-label="Breadcrumb">
            <Link href="/">Overview</Link> / <Link href={`/resources/${props.params.plural}`}>{info()?.kind}s</Link> / <span>{o().metadata.name}</span>
          </nav>
          <header class="detail-head">
            <div class="title-row">
              <h1>
                <span class="muted kind-label">{o().kind}</span> {o().metadata.name}
              </h1>
              <ReadyBadge ready={readiness(o())} phase={o().status?.phase} title={summaryCondition(o())?.message} />
              <Show when={o().status?.phase}>
                <Pill tone="info">{o().status!.phase}</Pill>
              </Show>
              <Show when={suspended()}>
                <Pill tone="warn">suspended</Pill>
              </Show>
            </div>
            <dl class="facts">
              <div>
                <dt>Generation</dt>
                <dd data-testid="generation">
                  {o().metadata.generation ?? '—'} / observed {o().status?.observedGeneration ?? '—'}{' '}
                  <Show when={isStale(o())}>
                    <Pill tone="warn" title="The spec changed since the controller last finished with this object">stale</Pill>
                  </Show>
                </dd>
              </div>
              <div>
                <dt>Last reconcile</dt>
                <LastReconcileFact info={reconcile.latest} object={o()} />
              </div>
              <div>
                <dt>Created</dt>
                <dd title={o().metadata.creationTimestamp}>{ago(o().metadata.creationTimestamp, now())} ago</dd>
              </div>
              <div>
                <dt>Defined in</dt>
                <dd class="mono">{source()?.file ? `${source()!.file}:${source()!.line}:${source()!.col}` : '—'}</dd>
              </div>
              <Show when={o().metadata.deletionTimestamp}>
                <div>
                  <dt>Deleting since</dt>
                  <dd>{ago(o().metadata.deletionTimestamp, now())} ago</dd>
                </div>
              </Show>
            </dl>
            <div class="actions" role="group" aria-label="Actions">
              <button type="button" disabled={busy()} onClick={() => act('reconcile')}>
                Reconcile now
              </button>
              <Show
                when={suspended()}
                fallback={
                  <button type="button" disabled={busy()} onClick={() => act('suspend')} title="Holds the object as it is (kept in the state dir; the spec file is unchanged)">
                    Suspend
                  </button>
                }
              >
                <button type="button" disabled={busy()} onClick={() => act('resume')} title="Releases the hold (spec.suspend in the file, if set, still holds it)">
                  Resume
                </button>
              </Show>
              <Show when={notice()}>
                <span class={`notice ${notice()!.tone}`} role="status">
                  {notice()!.text}
                </span>
              </Show>
            </div>
          </header>

          <SpecErrorsBanner errors={specErrors()} title="This object's spec has errors on disk" />
          <Show when={o().kind === 'VirtualMachine' && o().status?.phase === 'Running'}>
            <VmMetrics name={o().metadata.name} />
          </Show>

          <div class="grid2">
            <section class="panel" aria-labelledby="cond-h">
              <h2 id="cond-h">Conditions</h2>
              <ConditionsTable conditions={o().status?.conditions ?? []} generation={o().metadata.generation} />
            </section>
            <section class="panel" aria-labelledby="ev-h">
              <h2 id="ev-h">Events</h2>
              <EventList events={events()} />
            </section>
          </div>

          <section class="panel" aria-labelledby="dep-h">
            <h2 id="dep-h">
              Dependencies <span class="muted small">parents on the left, children on the right; colour is Ready</span>
            </h2>
            <DependencyGraph focus={key()} />
          </section>

          <section class="panel" aria-labelledby="diff-h">
            <h2 id="diff-h">
              Desired vs observed <span class="muted small">the spec against what the provider last reported (status.observed)</span>
            </h2>
            <DiffView spec={o().spec} observed={o().status?.observed as Record<string, unknown> | undefined} supported={observedSupported()} />
          </section>

          <div class="grid2">
            <section class="panel" aria-labelledby="spec-h">
              <h2 id="spec-h">Spec</h2>
              <YamlView value={{ metadata: { name: o().metadata.name, labels: o().metadata.labels, annotations: o().metadata.annotations }, spec: o().spec }} label="Spec as YAML" />
            </section>
            <section class="panel" aria-labelledby="status-h">
              <h2 id="status-h">Status</h2>
              <YamlView value={o().status} label="Status as YAML" />
            </section>
          </div>
        </div>
      )}
    </Show>
  );
}
