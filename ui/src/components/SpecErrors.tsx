import { For, Show, type JSX } from 'solid-js';
import type { SpecError } from '../api/types';

/** Spec problems from disk, each with file:line:col, so the fix is one editor jump away. */
export function SpecErrorsBanner(props: { errors: readonly SpecError[]; title?: string }): JSX.Element {
  return (
    <Show when={props.errors.length}>
      <section class="banner bad" role="alert" aria-label="Spec errors">
        <h2>
          {props.title ?? `${props.errors.length} spec error${props.errors.length === 1 ? '' : 's'}`}{' '}
          <span class="muted small">the last valid spec of each object stays in effect</span>
        </h2>
        <ul>
          <For each={props.errors.slice(0, 20)}>
            {(e) => (
              <li class="spec-error">
                <code class="loc">
                  {e.file}:{e.line}:{e.col}
                </code>{' '}
                <Show when={e.object}>
                  <span class="mono">{e.object}</span>{' '}
                </Show>
                <Show when={e.field}>
                  <code>{e.field}</code>:{' '}
                </Show>
                {e.message}
              </li>
            )}
          </For>
          <Show when={props.errors.length > 20}>
            <li class="muted">… and {props.errors.length - 20} more</li>
          </Show>
        </ul>
      </section>
    </Show>
  );
}
