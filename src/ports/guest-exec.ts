// The guest-exec port: run scripts and upload files inside a VM's guest (real adapter: ssh2).

export interface GuestAuth {
  password?: string;
  privateKey?: string;
  passphrase?: string;
}

export interface GuestTarget {
  /** Stable key for host-key pinning and pooling, e.g. `VirtualMachine/dev-master`. */
  vmKey: string;
  /** Changes when the VM is recreated; a new incarnation may present a new host key. */
  incarnation: string;
  host: string;
  port: number;
  user: string;
  auth: GuestAuth;
}

export interface RunOptions {
  /** Run as root through sudo; the script travels on stdin, never through shell quoting. */
  sudo?: boolean;
  timeoutMs?: number;
  /** Streamed output, e.g. appended to the VM's provisioning log. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  env?: Record<string, string>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GuestExec {
  run(target: GuestTarget, script: string, opts?: RunOptions): Promise<RunResult>;
  upload(target: GuestTarget, path: string, content: string | Buffer, opts?: { mode?: number; sudo?: boolean }): Promise<void>;
  /** Drop pooled connections for one VM (it was stopped or recreated). */
  forget(vmKey: string): void;
  close(): Promise<void>;
}

export type GuestErrorCode = 'Unreachable' | 'AuthFailed' | 'HostKeyMismatch' | 'Timeout' | 'SudoFailed';

export class GuestError extends Error {
  constructor(readonly code: GuestErrorCode, message: string) {
    super(message);
    this.name = 'GuestError';
  }
}
