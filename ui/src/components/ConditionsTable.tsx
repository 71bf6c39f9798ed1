import { For, Show, type JSX } from 'solid-js';
import type { Condition } from '../api/types';
import { conditionTone } from '../lib/ready';
import { ago, now } from '../lib/time';
import { Pill } from './StatusBadge';
import { TableHead } from './TableHead';

/** Newest transition first; ties keep Ready on top. */
function sorted(conds: readonly Condition[]): Condition[] {
  return [...conds].sort((a, b) => (a.type === 'Ready' ? -1 : b.type === 'Ready' ? 1 : (b.lastTransitionTime ?? '').localeCompare(a.lastTransitionTime ?? '')));
}

export function ConditionsTable(props: { conditions: readonly Condition[]; generation?: number }): JSX.Element {
  return (
    <Show when={props.conditions.length} fallback={<p class="muted">No conditions reported yet: the controller has not reconciled this object.</p>}>
      <table class="table conditions" aria-label="Conditions">
        <TableHead columns={['Type', 'Status', 'Reason', 'Message', 'Changed']} />
        <tbody>
          <For each={sorted(props.conditions)}>
            {(c) => (
              <tr data-condition={c.type}>
                <td class="mono">{c.type}</td>
                <td>
                  <Pill tone={conditionTone(c)}>{c.status}</Pill>
                  <Show when={props.generation !== undefined && c.observedGeneration !== undefined && c.observedGeneration !== props.generation}>
                    {' '}
                    <Pill tone="warn" title={`observed generation ${c.observedGeneration}, current ${props.generation}`}>stale</Pill>
                  </Show>
                </td>
                <td class="mono">{c.reason}</td>
                <td class="message">{c.message}</td>
                <td title={c.lastTransitionTime}>{ago(c.lastTransitionTime, now())} ago</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Show>
  );
}
