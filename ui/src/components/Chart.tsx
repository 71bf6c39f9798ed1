// chart.js wrapped directly: created on mount, updated in place (no animation), destroyed on cleanup.
import { createEffect, onCleanup, onMount, type JSX } from 'solid-js';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartData,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend, Filler);
Chart.defaults.color = '#aab4c3';
Chart.defaults.borderColor = 'rgba(170,180,195,0.15)';
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.animation = false;

export function ChartCanvas(props: { config: () => ChartConfiguration; data: () => ChartData; label: string; height: number; id?: string }): JSX.Element {
  let canvas!: HTMLCanvasElement;
  let chart: Chart | undefined;
  onMount(() => {
    const cfg = props.config();
    chart = new Chart(canvas, { ...cfg, data: props.data() } as ChartConfiguration);
    onCleanup(() => chart?.destroy());
  });
  createEffect(() => {
    const data = props.data();
    if (!chart) return;
    chart.data.labels = data.labels;
    data.datasets.forEach((ds, i) => {
      if (chart!.data.datasets[i]) Object.assign(chart!.data.datasets[i], ds);
      else chart!.data.datasets.push(ds);
    });
    chart.data.datasets.length = data.datasets.length;
    chart.update('none');
  });
  return (
    <div class="chart" style={{ height: `${props.height}px` }}>
      <canvas ref={canvas} id={props.id} role="img" aria-label={props.label} />
    </div>
  );
}
