import type { JSX } from 'solid-js';
import { stringify } from 'yaml';

export function YamlView(props: { value: unknown; label: string }): JSX.Element {
  const text = () => (props.value === undefined ? '# (none)\n' : stringify(props.value, { lineWidth: 120 }));
  return (
    <pre class="yaml" tabindex="0" aria-label={props.label}>
      <code>{text()}</code>
    </pre>
  );
}
