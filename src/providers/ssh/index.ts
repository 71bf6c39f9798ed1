export { createSshGuestExec, redactSecrets, type SshGuestExecOptions } from './ssh-guest-exec.js';
export { KnownHostsStore, fingerprintOf, keyTypeOf, knownHostFileName, type PinnedHostKey, type PinDecision } from './known-hosts.js';
export { shQuote, renderEnvExports, renderStdinScript, renderUploadScript, remoteCommand } from './script.js';
