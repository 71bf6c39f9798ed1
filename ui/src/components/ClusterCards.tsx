// The Overview's top: one card per Cluster (nodes ready/total, pod badges, average node CPU and
// memory, pods per namespace), not-ready clusters first, and what the running VMs use of the host.
import { For, Show, createMemo, type JSX } from 'solid-js';
import { Meter } from './Meter';
import { ReadyBadge } from './StatusBadge';
import { readiness, readinessRank } from '../lib/ready';
import { Link } from '../router';
import { poll, type DashboardSummary } from '../store/domain';
import { lastChange, state, stream } from '../store/resources';

export function ClusterCards(): JSX.Element {
  const summary = poll<DashboardSummary>(() => '/api/v1/dashboard/summary');
  const cards = createMemo(() => {
    lastChange();
    const byName = new Map((summary.data()?.clusters ?? []).map((c) => [c.name, c]));
    return Object.values(state.objects)
      .filter((o) => o.kind === 'Cluster')
      .map((o) => ({ o, r: readiness(o), c: byName.get(o.metadata.name) }))
      .sort((a, b) => readinessRank(a.r) - readinessRank(b.r) || a.o.metadata.name.localeCompare(b.o.metadata.name));
  });
  const used = createMemo(() => {
    const vms = summary.data()?.vms ?? [];
    const withSample = vms.filter((v) => v.sample);
    const memUsed = withSample.reduce((a, v) => a + v.sample!.memUsedMiB, 0);
    const cpuAvg = withSample.length ? withSample.reduce((a, v) => a + v.sample!.cpuPercent, 0) / withSample.length : null;
    return { count: withSample.length, memUsed, cpuAvg };
  });
  const stale = () => stream().phase !== 'live';
  return (
    <section aria-labelledby="clusters-h">
      <div class="panel-head">
        <h2 id="clusters-h">Clusters</h2>
        <span class="muted small host-used" data-host-used>
          Host use by {used().count} running VM{used().count === 1 ? '' : 's'}: memory {(used().memUsed / 1024).toFixed(1)} GiB used
          {state.host ? ` of ${(state.host.requestedMemoryMiB / 1024).toFixed(1)} GiB requested` : ''}
          {used().cpuAvg !== null ? ` · guest CPU avg ${used().cpuAvg!.toFixed(0)}%` : ''}
          <Show when={stale()}>
            <span class="stale" title="the live stream is not connected: figures may be old"> · stale</span>
          </Show>
        </span>
      </div>
      <div class="cluster-cards">
        <For each={cards()} fallback={<p class="muted">No Cluster specs.</p>}>
          {(x) => (
            <Link href={`/clusters/${x.o.metadata.name}`} class={`card cluster-card${x.r === 'True' ? '' : ' not-ready'}`}>
              <div class="title-row" data-cluster-card={x.o.metadata.name}>
                <strong>{x.o.metadata.name}</strong> <ReadyBadge ready={x.r} />
              </div>
              <Show when={x.c?.watched} fallback={<span class="muted small">{x.r === 'True' ? 'connecting to the cluster…' : 'not Ready: no live inventory'}</span>}>
                <span class="small" data-nodes>
                  Nodes {x.c!.nodes!.ready}/{x.c!.nodes!.total} ready
                </span>
                <div class="badges">
                  <span class="pill good" data-pods-running>{x.c!.pods!.running} Running</span>
                  <span class={`pill ${x.c!.pods!.pending ? 'warn' : 'muted'}`}>{x.c!.pods!.pending} Pending</span>
                  <span class={`pill ${x.c!.pods!.failed ? 'bad' : 'muted'}`}>{x.c!.pods!.failed} Failed</span>
                </div>
                <Meter label="Avg node CPU" percent={x.c!.avgCpuPercent} />
                <Meter label="Avg node memory" percent={x.c!.avgMemPercent} />
                <Show when={x.c!.usageSource === 'guest' || x.c!.usageSource === 'mixed'}>
                  <span class="muted small" data-usage-source={x.c!.usageSource}>
                    {x.c!.usageSource === 'guest' ? "from the VMs' guest metrics (no metrics-server)" : "partly from the VMs' guest metrics"}
                  </span>
                </Show>
                <table class="table small">
                  <tbody>
                    <For each={Object.entries(x.c!.byNamespace ?? {}).sort((a, b) => b[1].total - a[1].total).slice(0, 6)}>
                      {([ns, n]) => (
                        <tr>
                          <td>{ns}</td>
                          <td class="mono">{n.running}/{n.total}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Show>
            </Link>
          )}
        </For>
      </div>
    </section>
  );
}
