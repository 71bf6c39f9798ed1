// A small history router. Routes are a table so later pages (clusters, load tests, scaling,
// traffic) are one entry each; `nav` entries appear in the sidebar.
import { createSignal, type Component, type JSX } from 'solid-js';

const [location, setLocation] = createSignal({ path: window.location.pathname, search: window.location.search });
window.addEventListener('popstate', () => setLocation({ path: window.location.pathname, search: window.location.search }));
export { location };

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.origin);
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  setLocation({ path: url.pathname, search: url.search });
  window.scrollTo(0, 0);
}

export interface RouteDef {
  /** `/resources/:plural/:name`; segments starting with `:` capture. */
  pattern: string;
  component: Component<{ params: Record<string, string> }>;
  title: (params: Record<string, string>) => string;
}

export function match(routes: RouteDef[], path: string): { route: RouteDef; params: Record<string, string> } | undefined {
  const segs = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pat = route.pattern.split('/').filter(Boolean);
    if (pat.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pat.length && ok; i++) {
      if (pat[i].startsWith(':')) {
        try {
          params[pat[i].slice(1)] = decodeURIComponent(segs[i]);
        } catch {
          ok = false;
        }
      } else ok = pat[i] === segs[i];
    }
    if (ok) return { route, params };
  }
  return undefined;
}

/** An anchor that navigates in-app on a plain click and behaves normally with modifiers (new tab etc.). */
export function Link(props: { href: string; class?: string; children: JSX.Element; title?: string; 'aria-current'?: 'page' | undefined }): JSX.Element {
  return (
    <a
      href={props.href}
      class={props.class}
      title={props.title}
      aria-current={props['aria-current']}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}
