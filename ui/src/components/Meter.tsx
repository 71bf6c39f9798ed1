// A labelled horizontal gauge (0-100 %) and a tiny sparkline: the building blocks of node cards.
import { type JSX } from 'solid-js';

export function Meter(props: { label: string; percent: number | null | undefined; detail?: string }): JSX.Element {
  const p = () => (props.percent === null || props.percent === undefined ? null : Math.max(0, Math.min(100, props.percent)));
  const tone = () => (p() === null ? 'unknown' : p()! >= 90 ? 'bad' : p()! >= 70 ? 'warn' : 'good');
  return (
    <div class="meter" data-meter={props.label}>
      <div class="meter-head">
        <span>{props.label}</span>
        <span class="mono">{p() === null ? 'n/a' : `${p()!.toFixed(0)}%`}{props.detail ? ` · ${props.detail}` : ''}</span>
      </div>
      <div class="meter-track" role="meter" aria-label={props.label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={p() ?? undefined}>
        <div class={`meter-fill ${tone()}`} style={{ width: `${p() ?? 0}%` }} />
      </div>
    </div>
  );
}

/** An inline SVG polyline of the values (newest right); no axes. */
export function Sparkline(props: { values: number[]; label: string; color?: string; width?: number; height?: number }): JSX.Element {
  const w = () => props.width ?? 140;
  const h = () => props.height ?? 28;
  const points = () => {
    const v = props.values;
    if (v.length < 2) return '';
    const max = Math.max(1, ...v);
    return v.map((x, i) => `${((i / (v.length - 1)) * w()).toFixed(1)},${(h() - (x / max) * (h() - 2) - 1).toFixed(1)}`).join(' ');
  };
  return (
    <svg class="sparkline" width={w()} height={h()} role="img" aria-label={props.label}>
      <polyline points={points()} fill="none" stroke={props.color ?? 'var(--accent)'} stroke-width="1.5" />
    </svg>
  );
}
