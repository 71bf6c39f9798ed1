import type { JSX } from 'solid-js';
import type { Readiness } from '../lib/ready';

const LABEL: Record<Readiness, string> = { True: 'Ready', False: 'Not ready', Unknown: 'Unknown', Deleting: 'Deleting' };
const TONE: Record<Readiness, string> = { True: 'good', False: 'bad', Unknown: 'unknown', Deleting: 'warn' };

export function ReadyBadge(props: { ready: Readiness; title?: string }): JSX.Element {
  return (
    <span class={`badge ${TONE[props.ready]}`} title={props.title} data-ready={props.ready}>
      <span class="dot" aria-hidden="true" />
      {LABEL[props.ready]}
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
