import { For, type JSX } from 'solid-js';

/** A column header: its label, and optionally a class (`num` right-aligns) and a tooltip. */
export type HeadColumn = string | { name: string; class?: string; title?: string };

/** The `<thead>` every table of the dashboard uses: one row of `scope="col"` headers. */
export function TableHead(props: { columns: readonly HeadColumn[] }): JSX.Element {
  return (
    <thead>
      <tr>
        <For each={props.columns}>
          {(c) => (typeof c === 'string' ? <th scope="col">{c}</th> : <th scope="col" class={c.class} title={c.title}>{c.name}</th>)}
        </For>
      </tr>
    </thead>
  );
}
