import { For, Show, createMemo, createSignal, type JSX } from 'solid-js';
import type { PrinterColumn } from '../api/types';
import { FilterBox, matches } from '../components/FilterBox';
import { ReadyBadge } from '../components/StatusBadge';
import { columnValue } from '../lib/columns';
import { readiness } from '../lib/ready';
import { ago, now } from '../lib/time';
import { Link } from '../router';
import { detailHref, kindByPlural, state } from '../store/resources';
import { TableHead } from '../components/TableHead';

/** One kind's objects with the CRD's printer columns (priority 0; `-o wide` ones behind a toggle). */
export function ResourceList(props: { params: Record<string, string> }): JSX.Element {
  const [filter, setFilter] = createSignal('');
  const [wide, setWide] = createSignal(false);
  const info = () => kindByPlural(props.params.plural);
  const columns = createMemo<PrinterColumn[]>(() => (info()?.printerColumns ?? []).filter((c) => wide() || !c.priority).filter((c) => c.name.toLowerCase() !== 'age'));
  const hasWide = () => (info()?.printerColumns ?? []).some((c) => c.priority);
  const hasReady = () => columns().some((c) => c.name === 'Ready');
  const objects = createMemo(() => {
    const kind = info()?.kind;
    return Object.values(state.objects)
      .filter((o) => o.kind === kind)
      .filter((o) => matches(filter(), o.metadata.name, ...columns().map((c) => columnValue(o, c))))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  });
  return (
    <Show when={info()} fallback={<div class="page"><h1>Unknown kind</h1><p class="muted">{state.loaded ? `No kind with plural "${props.params.plural}".` : 'Loading…'}</p></div>}>
      {(k) => (
        <div class="page">
          <header class="page-head">
            <h1>{k().kind}s</h1>
            <p class="muted">
              {objects().length} shown · short names: {(k().shortNames ?? []).join(', ') || '—'}
            </p>
          </header>
          <section class="panel">
            <div class="panel-head">
              <FilterBox value={filter()} onInput={setFilter} label={`Filter ${k().plural}`} />
              <Show when={hasWide()}>
                <label class="check">
                  <input type="checkbox" checked={wide()} onChange={(e) => setWide(e.currentTarget.checked)} /> wide columns
                </label>
              </Show>
            </div>
            <table class="table" aria-label={`${k().kind} list`}>
              <TableHead columns={['Name', ...columns().map((c) => ({ name: c.name, title: c.description })), 'Age']} />
              <tbody>
                <For each={objects()} fallback={<tr><td colspan={columns().length + 2} class="muted">{filter() ? 'Nothing matches the filter.' : `No ${k().plural} defined.`}</td></tr>}>
                  {(o) => (
                    <tr data-key={`${o.kind}/${o.metadata.name}`} data-ready={readiness(o)}>
                      <td>
                        <Show when={!hasReady()}>
                          <ReadyBadge ready={readiness(o)} phase={o.status?.phase} />{' '}
                        </Show>
                        <Link href={detailHref(`${o.kind}/${o.metadata.name}`)} class="name">
                          {o.metadata.name}
                        </Link>
                      </td>
                      <For each={columns()}>
                        {(c) => (
                          <td class={c.type === 'integer' || c.type === 'number' ? 'num' : ''}>
                            {c.name === 'Ready' ? <ReadyBadge ready={readiness(o)} phase={o.status?.phase} /> : columnValue(o, c, now())}
                          </td>
                        )}
                      </For>
                      <td title={o.metadata.creationTimestamp}>{ago(o.metadata.creationTimestamp, now())}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </section>
        </div>
      )}
    </Show>
  );
}
