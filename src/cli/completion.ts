// Shell completion: `hostplane completion bash|zsh|fish` prints a small script that asks
// `hostplane __complete WORD…` for candidates, so commands, flags, kinds and object names always
// come from this hostplane and the specs as they are now (nothing is baked into the script).
import type { Command } from 'commander';
import { loadSchemaRegistry } from '../api/schema.js';
import { openView } from './view.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return [
        '# hostplane completion for bash: source <(hostplane completion bash)',
        '_hostplane() {',
        "  local IFS=$'\\n'",
        '  COMPREPLY=($(hostplane __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))',
        '}',
        'complete -o default -F _hostplane hostplane',
      ].join('\n');
    case 'zsh':
      return [
        '#compdef hostplane',
        '# hostplane completion for zsh: hostplane completion zsh > "${fpath[1]}/_hostplane"',
        '_hostplane() {',
        '  local -a candidates',
        '  candidates=("${(@f)$(hostplane __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")',
        '  compadd -Q -- "${candidates[@]}"',
        '}',
        'compdef _hostplane hostplane',
      ].join('\n');
    case 'fish':
      return [
        '# hostplane completion for fish: hostplane completion fish > ~/.config/fish/completions/hostplane.fish',
        "complete -c hostplane -f -a '(hostplane __complete (commandline -opc)[2..-1] (commandline -ct))'",
      ].join('\n');
  }
}

/** Verbs whose first argument is KIND, KIND/NAME or KIND NAME. */
const OBJECT_VERBS = new Set(['get', 'describe', 'events', 'delete', 'stop', 'start', 'wait', 'logs']);

/**
 * Candidates for the last of `typed` (the word being completed; '' for a new word), given the words
 * before it: commands first, then a command's flags, kinds, and object names from the specs.
 */
export async function complete(program: Command, typed: string[], dirs: { specs: string; state: string }): Promise<string[]> {
  const current = typed.at(-1) ?? '';
  const before = typed.slice(0, -1);
  const positional = before.filter((w) => !w.startsWith('-'));
  const verb = positional[0];
  const pick = (all: string[]) => [...new Set(all)].filter((c) => c.startsWith(current)).sort();
  const visible = program.commands.filter((c) => c.name() !== '__complete' && c.name() !== 'version');
  if (!verb) {
    if (current.startsWith('-')) return pick(program.options.map((o) => o.long!).filter(Boolean));
    return pick(visible.map((c) => c.name()));
  }
  const command = visible.find((c) => c.name() === verb);
  if (!command) return [];
  if (current.startsWith('-')) return pick([...command.options, ...program.options].flatMap((o) => [o.long, o.short]).filter((x): x is string => !!x));
  if (verb === 'completion') return pick([...SHELLS]);
  if (!OBJECT_VERBS.has(verb)) return [];
  const registry = loadSchemaRegistry();
  const args = positional.slice(1);
  const kindWords = registry.kinds().flatMap((k) => [k.plural, k.singular, ...k.shortNames]);
  if (args.length === 0) {
    // KIND, or KIND/NAME once a kind and a slash are typed.
    const slash = current.indexOf('/');
    if (slash < 0) return pick(kindWords);
    const info = registry.resolveKind(current.slice(0, slash));
    if (!info) return [];
    const view = await openView(dirs.specs, dirs.state, registry);
    return pick(view.store.list(info.kind).map((o) => `${current.slice(0, slash)}/${o.metadata.name}`));
  }
  if (args.length === 1 && !args[0]!.includes('/')) {
    const info = registry.resolveKind(args[0]!);
    if (!info) return [];
    const view = await openView(dirs.specs, dirs.state, registry);
    return pick(view.store.list(info.kind).map((o) => o.metadata.name));
  }
  return [];
}
