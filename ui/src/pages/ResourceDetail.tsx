import { Show, createMemo, createResource, createSignal, type JSX } from 'solid-js';
import { getJson, postAction } from '../api/client';
import type { SpecError } from '../api/types';
import { ConditionsTable } from '../components/ConditionsTable';
import { DependencyGraph } from '../components/DependencyGraph';
import { EventList } from '../components/EventList';
import { SpecErrorsBanner } from '../components/SpecErrors';
import { Pill, ReadyBadge } from '../components/StatusBadge';
import { YamlView } from '../components/YamlView';
import { isStale, lastReconcile, readiness, summaryCondition } from '../lib/ready';
import { ago, now } from '../lib/time';
import { Link } from '../router';
import { kindByPlural, state } from '../store/resources';

interface SourceInfo {
  file?: string;
  line?: number;
  col?: number;
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
  const suspended = () => (obj()?.spec as { suspend?: unknown } | undefined)?.suspend === true;

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
              <ReadyBadge ready={readiness(o())} title={summaryCondition(o())?.message} />
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
                <dd title={lastReconcile(o())}>{lastReconcile(o()) ? `${ago(lastReconcile(o()), now())} ago` : 'never'}</dd>
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
                  <button type="button" disabled={busy()} onClick={() => act('suspend')} title="Sets spec.suspend: true in the spec file">
                    Suspend
                  </button>
                }
              >
                <button type="button" disabled={busy()} onClick={() => act('resume')} title="Sets spec.suspend: false in the spec file">
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
