// A filter input; `/` anywhere (outside a text field) focuses it, Escape clears it.
import { onCleanup, onMount, type JSX } from 'solid-js';

export function FilterBox(props: { value: string; onInput: (v: string) => void; placeholder?: string; label: string }): JSX.Element {
  let input!: HTMLInputElement;
  onMount(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        input.focus();
        input.select();
      }
    };
    window.addEventListener('keydown', onKey);
    onCleanup(() => window.removeEventListener('keydown', onKey));
  });
  return (
    <label class="filter">
      <span class="sr-only">{props.label}</span>
      <input
        ref={input}
        type="search"
        value={props.value}
        placeholder={props.placeholder ?? 'Filter…  (press /)'}
        aria-keyshortcuts="/"
        onInput={(e) => props.onInput(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            props.onInput('');
            e.currentTarget.blur();
          }
        }}
      />
    </label>
  );
}

/** Case-insensitive match of every space-separated word against any of the texts. */
export function matches(filter: string, ...texts: (string | undefined)[]): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = texts.filter(Boolean).join(' ').toLowerCase();
  return words.every((w) => hay.includes(w));
}
