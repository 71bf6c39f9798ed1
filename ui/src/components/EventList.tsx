import { For, Show, type JSX } from 'solid-js';
import type { HostEvent } from '../api/types';
import { ago, now } from '../lib/time';
import { detailHref } from '../store/resources';
import { Link } from '../router';

/** A timeline, newest first. `showObject` adds a column linking to the object. */
export function EventList(props: { events: readonly HostEvent[]; showObject?: boolean; limit?: number }): JSX.Element {
  const rows = () => [...props.events].sort((a, b) => b.lastTimestamp.localeCompare(a.lastTimestamp) || b.id - a.id).slice(0, props.limit ?? 200);
  return (
    <Show when={props.events.length} fallback={<p class="muted">No events.</p>}>
      <ol class="timeline" aria-label="Events">
        <For each={rows()}>
          {(e) => (
            <li class={`event ${e.type === 'Warning' ? 'warning' : 'normal'}`} data-reason={e.reason}>
              <span class="when" title={`first ${e.firstTimestamp}, last ${e.lastTimestamp}`}>
                {ago(e.lastTimestamp, now())} ago
              </span>
              <span class="etype">{e.type}</span>
              <span class="reason mono">{e.reason}</span>
              <Show when={props.showObject}>
                <Link href={detailHref(e.object)} class="obj">
                  {e.object}
                </Link>
              </Show>
              <span class="emsg">{e.message}</span>
              <Show when={e.count > 1}>
                <span class="count" title={`seen ${e.count} times since ${e.firstTimestamp}`}>×{e.count}</span>
              </Show>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}
