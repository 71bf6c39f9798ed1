import type { JSX } from 'solid-js';
import type { Readiness } from '../lib/ready';

const LABEL: Record<Readiness, string> = { True: 'Ready', False: 'Not ready', Unknown: 'Unknown', Deleting: 'Deleting' };
const TONE: Record<Readiness, string> = { True: 'good', False: 'bad', Unknown: 'unknown', Deleting: 'warn' };

/** `phase` Stopped (a VM stopped on purpose) shows a neutral Stopped, not a green Ready. */
export function ReadyBadge(props: { ready: Readiness; title?: string; phase?: unknown }): JSX.Element {
  const stopped = () => props.phase === 'Stopped';
  return (
    <span class={`badge ${stopped() ? 'unknown' : TONE[props.ready]}`} title={props.title} data-ready={props.ready} data-stopped={stopped() ? 'true' : undefined}>
      <span class="dot" aria-hidden="true" />
      {stopped() ? 'Stopped' : LABEL[props.ready]}
    </span>
  );
}

export function Pill(props: { tone: 'good' | 'bad' | 'warn' | 'unknown' | 'info'; children: JSX.Element; title?: string }): JSX.Element {
  return (
    <span class={`pill ${props.tone}`} title={props.title}>
      {props.children}
    </span>
  );
}
