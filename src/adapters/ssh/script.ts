// Rendering of the scripts sent to a guest's `bash -s` on stdin.
//
// Nothing here is ever placed in an SSH command string: the command string is one of two constants
// (`bash -s`, `sudo -n -- bash -s`) and everything variable travels on stdin. The only quoting we do is
// for `export NAME='value'` lines and literal paths, and all of it goes through `shQuote`.

import { shq } from '../../ports/shell.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quote one value for POSIX sh/bash as a single word (single quotes, `'` as `'\\''`); exact for
 * every string without NUL bytes. The one implementation lives in ../shell.ts, shared with the
 * provisioning scripts.
 */
export const shQuote = shq;

/** `export NAME='value'` lines, one per variable, in a stable order. */
export function renderEnvExports(env: Record<string, string> | undefined): string {
  if (!env) return '';
  let out = '';
  for (const name of Object.keys(env).sort()) {
    if (!ENV_NAME.test(name)) throw new TypeError(`invalid environment variable name ${JSON.stringify(name)}`);
    const value = env[name];
    if (typeof value !== 'string') throw new TypeError(`environment variable ${name} must be a string`);
    out += `export ${name}=${shQuote(value)}\n`;
  }
  return out;
}

/**
 * The full stdin for `bash -s`.
 *
 * - Everything is inside one `{ … }` group, so bash parses the whole text before running any of it.
 * - The user's script runs in a subshell with stdin from /dev/null: a command that reads stdin
 *   (apt-get, read, cat) can never swallow script text, and `exit N` in the script just ends it.
 *   The subshell is started with job control on (`set -m`) so it leads its own process group.
 * - The channel's stdin is deliberately left open by the client while the script runs. A watcher
 *   reads it (through fd 9, since background jobs get /dev/null as stdin) and, when it hits EOF —
 *   the client closed the channel on a timeout, or the connection died — kills the script's own
 *   process group (never the caller's) (TERM, then KILL after 3 s). Closing the channel therefore really stops the
 *   command instead of leaving it running in the guest. On normal completion the watcher is killed
 *   first, so background processes the script started on purpose are left alone.
 */
export function renderStdinScript(script: string, env?: Record<string, string>): string {
  if (script.includes('\0')) throw new TypeError('scripts cannot contain NUL bytes');
  const body = script.endsWith('\n') ? script : `${script}\n`;
  return (
    renderEnvExports(env) +
    '{\n' +
    'exec 9<&0\n' +
    'set -m\n' +
    '(\n' +
    body +
    '\n) </dev/null 9<&- &\n' +
    '__hp_job=$!\n' +
    'set +m\n' +
    `( cat <&9 >/dev/null 2>&1; kill -TERM -- "-$__hp_job" 2>/dev/null; sleep 3; kill -KILL -- "-$__hp_job" 2>/dev/null ) >/dev/null 2>&1 &\n` +
    '__hp_w=$!\n' +
    'exec 9<&-\n' +
    'wait "$__hp_job"\n' +
    '__hp_rc=$?\n' +
    'kill -KILL "$__hp_w" 2>/dev/null\n' +
    'exit "$__hp_rc"\n' +
    '}\n'
  );
}

/** Remote shell command for a script; constant strings only. */
export function remoteCommand(sudo: boolean | undefined): string {
  return sudo ? 'sudo -n -- bash -s' : 'bash -s';
}

/**
 * A script that writes `content` to `path` atomically: base64 in a quoted heredoc (base64 never
 * contains the delimiter or anything a shell expands), decoded into a temp file in the target
 * directory, chmod'ed, then renamed over the target.
 */
export function renderUploadScript(path: string, content: Buffer, mode: number): string {
  if (!path || path.includes('\0') || path.endsWith('/')) throw new TypeError(`invalid upload path ${JSON.stringify(path)}`);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new TypeError(`invalid file mode ${mode}`);
  const b64 = content.toString('base64').replace(/.{1,76}/g, '$&\n');
  return [
    'set -eu',
    `dest=${shQuote(path)}`,
    'dir=$(dirname -- "$dest")',
    'mkdir -p -- "$dir"',
    'tmp=$(mktemp -- "$dir/.hostplane-upload.XXXXXX")',
    `trap 'rm -f -- "$tmp"' EXIT`,
    `base64 -d > "$tmp" <<'__HOSTPLANE_UPLOAD_B64__'`,
    `${b64}__HOSTPLANE_UPLOAD_B64__`,
    `chmod ${mode.toString(8).padStart(4, '0')} -- "$tmp"`,
    'mv -f -- "$tmp" "$dest"',
    'trap - EXIT',
    '',
  ].join('\n');
}
