// Desired (spec) against observed (status.observed) as a unified line diff with folded unchanged runs.
import { For, Match, Show, Switch, createEffect, createMemo, createSignal, on, type JSX } from 'solid-js';
import { desiredVsObserved, diffSummary, type DiffLine, type Fields } from '../lib/diff';

const SIGN: Record<DiffLine['op'], string> = { same: ' ', del: '-', add: '+' };

function Line(props: { line: DiffLine }): JSX.Element {
  return (
    <span class={`dl ${props.line.op}`} data-op={props.line.op}>
      <span class="sign" aria-hidden="true">
        {SIGN[props.line.op]}
      </span>
      <span class="sr-only">{props.line.op === 'del' ? 'desired: ' : props.line.op === 'add' ? 'observed: ' : ''}</span>
      {props.line.text}
      {'\n'}
    </span>
  );
}

/**
 * @param spec the object's spec (desired)
 * @param observed status.observed; undefined when nothing has been observed
 * @param supported whether this kind reports observed host state at all
 */
export function DiffView(props: { spec: Fields; observed: Fields | undefined; supported: boolean }): JSX.Element {
  const diff = createMemo(() => (props.observed ? desiredVsObserved(props.spec, props.observed) : undefined));
  const [opened, setOpened] = createSignal<ReadonlySet<number>>(new Set());
  const open = (i: number) => setOpened(new Set([...opened(), i]));
  // Row numbers mean other gaps once the diff changes: fold everything again.
  createEffect(on(diff, () => setOpened(new Set<number>()), { defer: true }));
  return (
    <Switch>
      <Match when={!props.supported}>
        <p class="muted" data-testid="diff-summary">
          No observed host state reported for this kind yet.
        </p>
      </Match>
      <Match when={!diff()}>
        <p class="muted" data-testid="diff-summary">
          Nothing observed on the host yet: the provider has not reported this object.
        </p>
      </Match>
      <Match when={diff()}>
        {(d) => (
          <div class="diff-view">
            <p class="diff-head">
              <span data-testid="diff-summary" data-in-sync={d().differing.length === 0 ? 'true' : 'false'} class={d().differing.length ? 'pill warn' : 'pill good'}>
                {diffSummary(d().differing)}
              </span>
              <Show when={d().differing.length}>
                <span class="muted small"> {d().differing.join(', ')}</span>
              </Show>
              <span class="legend muted small">
                <span class="dl del">- desired (spec)</span> <span class="dl add">+ observed (host)</span>
              </span>
            </p>
            <pre class="diff" tabindex="0" aria-label="Desired spec against observed host state, as a line diff">
              <code>
                <For each={d().rows}>
                  {(row, i) =>
                    row.op === 'gap' ? (
                      <Show when={opened().has(i())} fallback={
                        <button type="button" class="dl gap" title="Show these lines" onClick={() => open(i())}>
                          ⋯ {row.lines.length} unchanged lines
                        </button>
                      }>
                        <For each={row.lines}>{(l) => <Line line={l} />}</For>
                      </Show>
                    ) : (
                      <Line line={row} />
                    )
                  }
                </For>
              </code>
            </pre>
          </div>
        )}
      </Match>
    </Switch>
  );
}
