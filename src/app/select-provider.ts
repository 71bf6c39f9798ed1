// Picks the VM provider for `hostplane up --provider auto|sim|tart|qemu` and says why.
import { execFileSync } from 'node:child_process';

export interface ProviderChoice {
  provider: 'sim' | 'tart' | 'qemu';
  /** One line for the banner: why this provider was chosen. */
  why: string;
}

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

export function chooseProvider(requested: 'auto' | 'sim' | 'tart' | 'qemu', env: NodeJS.ProcessEnv = process.env): ProviderChoice {
  if (requested !== 'auto') return { provider: requested, why: `--provider ${requested}` };
  const tart = env.HOSTPLANE_TART ?? 'tart';
  if (works(tart, ['--version'])) return { provider: 'tart', why: `found ${tart} on PATH` };
  // QEMU without hardware KVM boots a lab far too slowly to be the default; it stays opt-in.
  const qemu = works('qemu-system-x86_64', ['--version']);
  return {
    provider: 'sim',
    why: qemu
      ? 'no tart on PATH; qemu-system-x86_64 is present but is only used with --provider qemu'
      : 'no tart or qemu-system-x86_64 on PATH',
  };
}
