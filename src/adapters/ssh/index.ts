// ssh2 adapter for the guest-exec port (see ssh-guest-exec.ts for pooling, pinning, timeouts;
// script.ts for how scripts travel on stdin; known-hosts.ts for the pin files).
export { createSshGuestExec, redactSecrets, type SshGuestExecOptions } from './ssh-guest-exec.js';
export { KnownHostsStore, fingerprintOf, keyTypeOf, knownHostFileName, type PinnedHostKey, type PinDecision } from './known-hosts.js';
export { shQuote, renderEnvExports, renderStdinScript, renderUploadScript, remoteCommand } from './script.js';
export { openSshSession, passwordSession, presentedHostKey, knownHostsLine, SessionError, type SessionTarget, type SessionIo } from './session.js';
