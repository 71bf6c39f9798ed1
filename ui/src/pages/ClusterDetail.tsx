// One cluster in depth: per-node gauges (CPU and memory from metrics.k8s.io, disk from the node
// VM's guest), RX/TX sparklines and open ports from the guest, pods by namespace (collapsible),
// services with endpoints, the cluster's add-ons (release revision, chart version), service URLs.
import { For, Show, createMemo, type JSX } from 'solid-js';
import { Meter, Sparkline } from '../components/Meter';
import { ReadyBadge } from '../components/StatusBadge';
import { readiness } from '../lib/ready';
import { Link } from '../router';
import { bytesRate, poll, type GuestMetrics, type Inventory, type ServiceUrl } from '../store/domain';
import { state } from '../store/resources';

function NodeCard(props: { node: Inventory['nodes'][number] }): JSX.Element {
  // Nodes carry their VM's name (kubeadm registers the hostname), so the guest's numbers join on it.
  const guest = poll<GuestMetrics>(() => (state.objects[`VirtualMachine/${props.node.name}`] ? `/api/v1/vms/${encodeURIComponent(props.node.name)}/metrics?limit=60` : null));
  const last = () => guest.data()?.samples.at(-1);
  return (
    <div class="card node-card" data-node={props.node.name}>
      <div class="title-row">
        <strong>{props.node.name}</strong> <ReadyBadge ready={props.node.ready ? 'True' : 'False'} />
        <span class="muted small">{props.node.roles.join(',') || 'worker'} · {props.node.internalIP ?? ''}</span>
      </div>
      <Meter label="CPU" percent={props.node.cpuPercent ?? last()?.cpuPercent} detail={`${props.node.cpuCores} cores`} />
      <Meter label="Memory" percent={props.node.memPercent ?? last()?.memPercent} detail={`${(props.node.memoryMiB / 1024).toFixed(1)} GiB`} />
      <Meter label="Disk" percent={last()?.diskPercent} detail={last() ? `${last()!.diskUsedGiB}/${last()!.diskTotalGiB} GiB` : 'no guest data'} />
      <Show when={guest.data()?.samples.length}>
        <div class="small muted">RX {bytesRate(last()?.rxBytesPerSec ?? 0)}</div>
        <Sparkline values={guest.data()!.samples.map((s) => s.rxBytesPerSec)} label={`${props.node.name} receive rate`} color="var(--good)" />
        <div class="small muted">TX {bytesRate(last()?.txBytesPerSec ?? 0)}</div>
        <Sparkline values={guest.data()!.samples.map((s) => s.txBytesPerSec)} label={`${props.node.name} transmit rate`} color="var(--warn)" />
        <div class="small">
          Open ports: <span class="mono" data-ports>{guest.data()!.ports.join(', ') || 'none'}</span>
        </div>
      </Show>
    </div>
  );
}

export function ClusterDetail(props: { params: Record<string, string> }): JSX.Element {
  const name = () => props.params.name;
  const inv = poll<Inventory>(() => `/api/v1/clusters/${encodeURIComponent(name())}/inventory`);
  const urls = poll<{ items: ServiceUrl[] }>(() => `/api/v1/clusters/${encodeURIComponent(name())}/urls`, 10_000);
  const obj = () => state.objects[`Cluster/${name()}`];
  const addons = createMemo(() => Object.values(state.objects).filter((o) => o.kind === 'Addon' && (o.spec as { cluster?: string }).cluster === name()));
  const podsByNs = createMemo(() => {
    const m = new Map<string, Inventory['pods']['items']>();
    for (const p of inv.data()?.pods.items ?? []) m.set(p.namespace, [...(m.get(p.namespace) ?? []), p]);
    return [...m];
  });
  return (
    <div class="page cluster-detail">
      <header class="page-head">
        <p class="crumbs">
          <Link href="/">Overview</Link> / <Link href="/resources/clusters">Clusters</Link> / {name()}
        </p>
        <h1>
          Cluster {name()} <Show when={obj()}>{(o) => <ReadyBadge ready={readiness(o())} />}</Show>
        </h1>
        <p class="muted">
          <Link href={`/resources/clusters/${name()}`}>Object details, conditions and events</Link>
        </p>
      </header>
      <Show when={inv.data()} fallback={<div class="notice">{inv.error() ? `No live inventory: ${inv.error()}` : 'Loading the inventory…'}</div>}>
        {(i) => (
          <>
            <Show when={!i().metricsServed}>
              <div class="notice small">metrics.k8s.io is not served yet (metrics-server add-on): CPU and memory come from the guests.</div>
            </Show>
            <section class="panel" aria-labelledby="nodes-h">
              <h2 id="nodes-h">Nodes ({i().nodes.filter((n) => n.ready).length}/{i().nodes.length} ready)</h2>
              <div class="node-cards">
                <For each={i().nodes}>{(n) => <NodeCard node={n} />}</For>
              </div>
            </section>
            <section class="panel" aria-labelledby="urls-h">
              <h2 id="urls-h">Service URLs</h2>
              <table class="table urls">
                <thead><tr><th>Namespace</th><th>Service</th><th>Port</th><th>URL</th></tr></thead>
                <tbody>
                  <For each={urls.data()?.items ?? []} fallback={<tr><td colspan="4" class="muted">No NodePort services.</td></tr>}>
                    {(u) => (
                      <tr data-url={u.service}>
                        <td>{u.namespace}</td>
                        <td>{u.service}</td>
                        <td class="mono">{u.port}→{u.nodePort}</td>
                        <td><a href={u.url} target="_blank" rel="noreferrer" class="mono">{u.url}</a></td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </section>
            <div class="grid2">
              <section class="panel" aria-labelledby="pods-h">
                <h2 id="pods-h">
                  Pods <span class="muted small">{i().pods.running} running · {i().pods.pending} pending · {i().pods.failed} failed</span>
                </h2>
                <For each={podsByNs()}>
                  {([ns, pods]) => (
                    <details class="ns" data-ns={ns}>
                      <summary>
                        {ns} <span class="muted small">({pods.filter((p) => p.phase === 'Running').length}/{pods.length} running)</span>
                      </summary>
                      <table class="table small">
                        <tbody>
                          <For each={pods}>
                            {(p) => (
                              <tr>
                                <td class="mono">{p.name}</td>
                                <td><span class={`pill ${p.phase === 'Running' ? 'good' : p.phase === 'Pending' ? 'warn' : p.phase === 'Failed' ? 'bad' : 'muted'}`}>{p.phase}</span></td>
                                <td class="muted">{p.node ?? ''}</td>
                                <td class="muted">{p.restarts} restarts</td>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      </table>
                    </details>
                  )}
                </For>
              </section>
              <section class="panel" aria-labelledby="addons-h">
                <h2 id="addons-h">Add-ons</h2>
                <table class="table small">
                  <thead><tr><th>Ready</th><th>Add-on</th><th>Revision</th><th>Chart</th></tr></thead>
                  <tbody>
                    <For each={addons()} fallback={<tr><td colspan="4" class="muted">No Addon specs for this cluster.</td></tr>}>
                      {(a) => {
                        const st = () => (a.status ?? {}) as { releaseRevision?: number; chartName?: string; chartVersion?: string };
                        return (
                          <tr data-addon={a.metadata.name}>
                            <td><ReadyBadge ready={readiness(a)} /></td>
                            <td><Link href={`/resources/addons/${a.metadata.name}`}>{a.metadata.name}</Link></td>
                            <td class="mono">{st().releaseRevision ?? '—'}</td>
                            <td class="mono">{st().chartName ? `${st().chartName}-${st().chartVersion ?? ''}` : '—'}</td>
                          </tr>
                        );
                      }}
                    </For>
                  </tbody>
                </table>
              </section>
            </div>
            <section class="panel" aria-labelledby="svc-h">
              <h2 id="svc-h">Services and endpoints</h2>
              <div class="table-wrap">
                <table class="table small services">
                  <thead><tr><th>Namespace</th><th>Service</th><th>Type</th><th>Ports</th><th>Endpoints</th></tr></thead>
                  <tbody>
                    <For each={i().services}>
                      {(s) => (
                        <tr data-service={`${s.namespace}/${s.name}`}>
                          <td>{s.namespace}</td>
                          <td>{s.name}</td>
                          <td>{s.type}</td>
                          <td class="mono">{s.ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol}`).join(', ')}</td>
                          <td class="mono">{s.endpoints.length ? s.endpoints.slice(0, 4).join(', ') + (s.endpoints.length > 4 ? ` +${s.endpoints.length - 4}` : '') : <span class="bad-text">none</span>}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </section>
          </>
        )}
      </Show>
    </div>
  );
}
