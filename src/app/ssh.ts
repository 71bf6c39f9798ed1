// `hostplane ssh vm/NAME [-- COMMAND]`: wires the VM's status, its pinned host key and its secret
// to the SSH session adapter (the CLI builds no adapter itself).
import { join } from 'node:path';
import type { HostObject } from '../api/types.js';
import { SecretStore } from '../adapters/secrets/secret-store.js';
import { KnownHostsStore, SessionError, openSshSession, passwordSession, type SessionIo, type SessionTarget } from '../adapters/ssh/index.js';

type Obj = Record<string, any>;

export interface SshToVmOptions {
  stateDir: string;
  vm: HostObject;
  /** The remote command's words, joined with spaces as ssh does; none: a login shell. */
  command: string[];
  io?: SessionIo;
  env?: NodeJS.ProcessEnv;
  /** Told once when the session could not be set up. */
  err: (line: string) => void;
}

/** Where hostplane itself reached the guest: the status's SSH endpoint (its port 22 stands for spec.ssh.port), else its IP. */
export function sshAddress(vm: HostObject): { host: string; port: number } | undefined {
  const st = (vm.status ?? {}) as Obj;
  const specPort = Number(((vm.spec ?? {}) as Obj).ssh?.port ?? 22);
  const m = typeof st.sshEndpoint === 'string' ? /^(.*):(\d+)$/.exec(st.sshEndpoint) : null;
  if (m) return { host: m[1]!, port: Number(m[2]) === 22 ? specPort : Number(m[2]) };
  if (typeof st.ip === 'string' && st.ip) return { host: st.ip, port: specPort };
  return undefined;
}

/** Runs the session; resolves with the exit code to leave with (the remote command's, 255 when SSH itself failed). */
export async function sshToVm(opts: SshToVmOptions): Promise<number> {
  const { vm } = opts;
  const label = `vm/${vm.metadata.name}`;
  const st = (vm.status ?? {}) as Obj;
  if (vm.metadata.deletionTimestamp) throw new Error(`${label} is being deleted`);
  if (st.phase !== 'Running') throw new Error(`${label} is not running (phase ${st.phase ?? 'unknown'}); hostplane start ${label}, then hostplane wait ${label} --for=condition=Ready`);
  const address = sshAddress(vm);
  if (!address) throw new Error(`${label} has no address yet (hostplane describe ${label})`);
  const known = new KnownHostsStore(join(opts.stateDir, 'known-hosts'));
  const vmKey = `VirtualMachine/${vm.metadata.name}`;
  const pin = known.read(vmKey);
  if (!pin) throw new Error(`no host key pinned for ${label} yet: hostplane up pins it on its first SSH contact (wait for condition Ready)`);
  const target: SessionTarget = { label, ...address, user: String(((vm.spec ?? {}) as Obj).ssh?.user ?? 'admin'), pin, pinFile: known.fileFor(vmKey) };
  const ssh = ((vm.spec ?? {}) as Obj).ssh ?? {};
  const secrets = new SecretStore(join(opts.stateDir, 'secrets'), opts.env ?? process.env);
  const command = opts.command.length ? opts.command.join(' ') : undefined;
  try {
    // keySecret is tried first when both are set, as hostplane's own connections do.
    if (ssh.keySecret) return await openSshSession(target, secrets.get(ssh.keySecret), command);
    const io: SessionIo = opts.io ?? { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
    return await passwordSession(target, secrets.get(ssh.passwordSecret ?? 'tart-default'), command, io);
  } catch (err) {
    if (!(err instanceof SessionError)) throw err;
    opts.err(`error: ${err.message}`);
    return 255;
  }
}
