// A running VM's guest metrics on its detail page: gauges, CPU/memory and RX/TX sparklines, ports.
import { Show, type JSX } from 'solid-js';
import { Meter, Sparkline } from './Meter';
import { bytesRate, poll, type GuestMetrics } from '../store/domain';

export function VmMetrics(props: { name: string }): JSX.Element {
  const m = poll<GuestMetrics>(() => `/api/v1/vms/${encodeURIComponent(props.name)}/metrics?limit=120`);
  const last = () => m.data()?.samples.at(-1);
  return (
    <Show when={m.data()?.samples.length ? m.data() : undefined}>
      {(d) => (
        <section class="panel vm-metrics" aria-labelledby="vmm-h">
          <h2 id="vmm-h">Guest <span class="muted small">{d().error ? `last read failed: ${d().error}` : `${d().samples.length} samples`}</span></h2>
          <div class="grid2">
            <div>
              <Meter label="CPU" percent={last()?.cpuPercent} />
              <Sparkline values={d().samples.map((s) => s.cpuPercent)} label="CPU percent over time" width={260} />
              <Meter label="Memory" percent={last()?.memPercent} detail={last() ? `${last()!.memUsedMiB}/${last()!.memTotalMiB} MiB` : ''} />
              <Meter label="Disk" percent={last()?.diskPercent} detail={last() ? `${last()!.diskUsedGiB}/${last()!.diskTotalGiB} GiB` : ''} />
            </div>
            <div>
              <div class="small muted">RX {bytesRate(last()?.rxBytesPerSec ?? 0)}</div>
              <Sparkline values={d().samples.map((s) => s.rxBytesPerSec)} label="receive rate" color="var(--good)" width={260} />
              <div class="small muted">TX {bytesRate(last()?.txBytesPerSec ?? 0)}</div>
              <Sparkline values={d().samples.map((s) => s.txBytesPerSec)} label="transmit rate" color="var(--warn)" width={260} />
              <p class="small">Listening ports: <span class="mono" data-vm-ports>{d().ports.join(', ') || 'none'}</span></p>
            </div>
          </div>
        </section>
      )}
    </Show>
  );
}
