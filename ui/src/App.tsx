import { For, Match, Show, Switch, createEffect, createMemo, type JSX } from 'solid-js';
import { Dynamic } from 'solid-js/web';
import { Overview } from './pages/Overview';
import { ResourceDetail } from './pages/ResourceDetail';
import { ResourceList } from './pages/ResourceList';
import { ClusterDetail } from './pages/ClusterDetail';
import { Testing } from './pages/Testing';
import { Traffic } from './pages/Traffic';
import { Scaling } from './pages/Scaling';
import { LoadAnalysis } from './pages/LoadAnalysis';
import { readiness } from './lib/ready';
import { Link, location, match, type RouteDef } from './router';
import { disconnectedAt, state, stream } from './store/resources';

// Later pages (clusters, load tests, scaling, traffic) add a route here and, if they want, a nav entry.
export const routes: RouteDef[] = [
  { pattern: '/', component: Overview, title: () => 'Overview' },
  { pattern: '/clusters/:name', component: ClusterDetail, title: (p) => `Cluster ${p.name}` },
  { pattern: '/testing', component: Testing, title: () => 'Testing' },
  { pattern: '/traffic', component: Traffic, title: () => 'Traffic' },
  { pattern: '/traffic/:cluster', component: Traffic, title: (p) => `Traffic ${p.cluster}` },
  { pattern: '/scaling', component: Scaling, title: () => 'Scaling' },
  { pattern: '/analysis', component: LoadAnalysis, title: () => 'Load analysis' },
  { pattern: '/resources/:plural', component: ResourceList, title: (p) => p.plural },
  { pattern: '/resources/:plural/:name', component: ResourceDetail, title: (p) => `${p.name} (${p.plural})` },
];

const DOMAIN_NAV = [
  { href: '/testing', label: 'Testing' },
  { href: '/traffic', label: 'Traffic' },
  { href: '/scaling', label: 'Scaling' },
  { href: '/analysis', label: 'Load analysis' },
];

function NotFound(): JSX.Element {
  return (
    <div class="page">
      <h1>Page not found</h1>
      <p>
        <Link href="/">Go to the overview</Link>
      </p>
    </div>
  );
}

function StreamStatus(): JSX.Element {
  return (
    <div class="stream" role="status" aria-live="polite" data-phase={stream().phase}>
      <Switch>
        <Match when={stream().phase === 'live'}>
          <span class="dot good" aria-hidden="true" /> live
        </Match>
        <Match when={stream().phase === 'connecting'}>
          <span class="dot unknown" aria-hidden="true" /> connecting…
        </Match>
        <Match when={stream().phase === 'retrying'}>
          <span class="dot warn" aria-hidden="true" /> reconnecting in {Math.ceil(((stream() as { inMs: number }).inMs ?? 0) / 1000)}s
        </Match>
        <Match when={stream().phase === 'unauthorized'}>
          <span class="dot bad" aria-hidden="true" /> not authorised
        </Match>
      </Switch>
    </div>
  );
}

export function App(): JSX.Element {
  const current = createMemo(() => match(routes, location().path));
  createEffect(() => {
    const m = current();
    document.title = m ? `${m.route.title(m.params)} · hostplane` : 'hostplane';
  });
  const counts = (kind: string) => {
    const objs = Object.values(state.objects).filter((o) => o.kind === kind);
    // A VM stopped on purpose is not failing: it is not counted.
    return { failing: objs.filter((o) => readiness(o) === 'False' && o.status?.phase !== 'Stopped').length, pending: objs.filter((o) => readiness(o) === 'Unknown' || readiness(o) === 'Deleting').length };
  };
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <aside class="sidebar">
        <div class="brand">
          <Link href="/">hostplane</Link>
        </div>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href="/" aria-current={location().path === '/' ? 'page' : undefined}>
                Overview
              </Link>
            </li>
            <For each={DOMAIN_NAV}>
              {(n) => (
                <li>
                  <Link href={n.href} aria-current={location().path.startsWith(n.href) ? 'page' : undefined}>
                    {n.label}
                  </Link>
                </li>
              )}
            </For>
            <For each={state.kinds}>
              {(k) => (
                <li>
                  <Link href={`/resources/${k.plural}`} aria-current={location().path.startsWith(`/resources/${k.plural}`) ? 'page' : undefined}>
                    {k.kind}s
                    <Show
                      when={counts(k.kind).failing}
                      fallback={
                        <Show when={counts(k.kind).pending}>
                          <span class="nav-count pending" data-count="pending" title={`${counts(k.kind).pending} not reconciled yet or being deleted`}>
                            {counts(k.kind).pending} pending
                          </span>
                        </Show>
                      }
                    >
                      <span class="nav-count" data-count="not-ready" title={`${counts(k.kind).failing} not ready (a VM stopped on purpose is not counted)`}>
                        {counts(k.kind).failing} not ready
                      </span>
                    </Show>
                  </Link>
                </li>
              )}
            </For>
          </ul>
        </nav>
        <StreamStatus />
        <Show when={state.specErrors.length}>
          <Link href="/" class="nav-errors">
            {state.specErrors.length} spec error{state.specErrors.length === 1 ? '' : 's'}
          </Link>
        </Show>
      </aside>
      <main id="main" tabindex="-1">
        <Show when={state.loadError && !state.loaded}>
          <div class="banner bad" role="alert">
            Cannot reach the hostplane API: {state.loadError}. Retrying…
          </div>
        </Show>
        <Show when={state.loaded && disconnectedAt()}>
          {(at) => (
            <div class="banner warn" role="status" data-stale="">
              Not connected to hostplane up (stopped, or the network dropped): what you see is as of {new Date(at()).toLocaleTimeString()} and may be stale. Reconnecting…
            </div>
          )}
        </Show>
        <Show when={current()} fallback={<NotFound />} keyed>
          {(m) => <Dynamic component={m.route.component} params={m.params} />}
        </Show>
      </main>
    </div>
  );
}
