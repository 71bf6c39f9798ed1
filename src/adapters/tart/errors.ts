// Classifies a failed tart invocation (exit code + stderr) into a ProviderError a person can act on.
// Exit codes and messages: reference/tart.md §0 (the five error styles) and §1.

import { ProviderError, type ProviderErrorCode } from '../../ports/vm-provider.js';

export interface TartFailure {
  /** argv after the binary, e.g. ['run', 'dev-master', '--no-graphics']. */
  args: string[];
  exitCode?: number;
  stderr: string;
  stdout?: string;
  /** The binary that was run (for messages only). */
  binary?: string;
}

interface Rule {
  code: ProviderErrorCode;
  test: (f: TartFailure, words: string) => boolean;
  hint: (f: TartFailure, words: string) => string;
}

const name = (f: TartFailure) => f.args[1] ?? '';

const RULES: Rule[] = [
  {
    // ArgumentParser usage errors and ValidationErrors (exit 64), e.g. seed 001 `tart run --config`.
    code: 'InvalidArgument',
    test: (f) => f.exitCode === 64,
    hint: (f) => `tart ${f.args[0]} rejected its command line; check the flags against 'tart ${f.args[0]} --help' for this tart version`,
  },
  {
    code: 'VmLimitReached',
    test: (_f, w) => /number of VMs exceeds the system limit/i.test(w),
    hint: () => 'macOS allows at most 2 macOS VMs running at once on a host; stop one first (if none is running, the Virtualization.framework count leaked and only a host reboot clears it)',
  },
  {
    code: 'NeedsPrivileges',
    test: (_f, w) => /root privileges are required|Softnet process terminated prematurely|SoftnetFailed/i.test(w),
    hint: () =>
      "softnet needs root: make it SUID-root once (sudo chown root $(realpath $(which softnet)) && sudo chmod u+s $(realpath $(which softnet))) or allow passwordless sudo for it; tart only asks for sudo on a TTY",
  },
  {
    code: 'ProviderUnavailable',
    test: (_f, w) => /softnet not found in PATH/i.test(w),
    hint: () => 'softnet networking was requested but the softnet binary is not on PATH; install it (brew install cirruslabs/cli/softnet) or use the shared network',
  },
  {
    code: 'AlreadyRunning',
    test: (_f, w) => /is already running!|Failed to lock auxiliary storage/i.test(w),
    hint: (f) => `VM "${name(f)}" already has a running tart process (or an untracked instance still holds it)`,
  },
  {
    code: 'AlreadyRunning',
    test: (_f, w) => /^VM ".*" is running$/m.test(w),
    hint: (f) => `VM "${name(f)}" is running; stop it first`,
  },
  {
    code: 'NotRunning',
    test: (_f, w) => /is not running/.test(w),
    hint: (f) => `VM "${name(f)}" is not running`,
  },
  {
    code: 'NoIpYet',
    test: (_f, w) => /no IP address found/.test(w),
    hint: (f) => `VM "${name(f)}" has no IP address yet (still booting, not running, or its DHCP lease is missing)`,
  },
  {
    code: 'NotFound',
    test: (_f, w) => /the specified VM ".*" does not exist|is missing some of its files/.test(w),
    hint: (f) => (f.args[0] === 'clone' ? `source image or VM "${name(f)}" does not exist` : `VM "${name(f)}" does not exist`),
  },
  {
    code: 'NotFound',
    test: (_f, w) => /UnexpectedHTTPStatusCode\(when: "pulling manifest", code: (404|401|403)/.test(w),
    hint: (f) => `image "${name(f)}" was not found in its registry (or needs credentials: tart login / TART_REGISTRY_USERNAME+PASSWORD)`,
  },
  {
    code: 'InvalidArgument',
    test: (_f, w) => /should be larger than the current disk size|LessThanMinimalResourcesError/.test(w),
    hint: () => 'the requested resources are not allowed (disks only grow; macOS VMs have minimum CPU/memory)',
  },
];

/** The lines tart itself wrote, trimmed, without the usage block. */
function tartWords(f: TartFailure): string {
  const text = (f.stderr || '').trim() || (f.stdout || '').trim();
  return text
    .split('\n')
    .filter((l) => !/^Usage: |^\s+See 'tart /.test(l))
    .join('\n')
    .trim();
}

export function commandLine(f: Pick<TartFailure, 'args' | 'binary'>): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [f.binary ?? 'tart', ...f.args].map(q).join(' ');
}

export function classifyTartError(f: TartFailure): ProviderError {
  const words = tartWords(f);
  const rule = RULES.find((r) => r.test(f, words));
  const code: ProviderErrorCode = rule?.code ?? 'CommandFailed';
  const hint = rule ? rule.hint(f, words) : `tart ${f.args[0]} failed`;
  const exit = f.exitCode === undefined ? 'no exit code' : `exit ${f.exitCode}`;
  const message = `${hint}: \`${commandLine(f)}\` failed (${exit}): ${words || '(no output)'}`;
  return new ProviderError(code, message, { command: [f.binary ?? 'tart', ...f.args], exitCode: f.exitCode, stderr: f.stderr });
}
