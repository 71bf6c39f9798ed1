// Runs hack/qemu/build-guest-image.sh (cached; a no-op when the image exists) and returns its paths.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { ProviderError } from '../../ports/vm-provider.js';

export interface GuestImage {
  /** Pass this as VmCreateRequest.image. */
  dir: string;
  kernel: string;
  initrd: string;
  kernelVersion: string;
  /** True when an existing build was reused. */
  cached: boolean;
}

export const GUEST_IMAGE_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../hack/qemu/build-guest-image.sh');

export async function buildGuestImage(opts?: { force?: boolean; env?: Record<string, string>; timeoutMs?: number }): Promise<GuestImage> {
  const r = await execa('bash', [GUEST_IMAGE_SCRIPT, ...(opts?.force ? ['--force'] : [])], {
    reject: false,
    timeout: opts?.timeoutMs ?? 600_000,
    env: opts?.env,
  });
  if (r.exitCode !== 0) {
    throw new ProviderError('CommandFailed', `guest image build failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, {
      command: ['bash', GUEST_IMAGE_SCRIPT],
      exitCode: r.exitCode,
      stderr: r.stderr,
    });
  }
  const kv = Object.fromEntries(
    r.stdout
      .split('\n')
      .map((l) => /^([A-Z_]+)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  if (!kv.GUEST_IMAGE_DIR || !kv.KERNEL || !kv.INITRD) throw new ProviderError('CommandFailed', `guest image build printed no paths: ${r.stdout}`);
  return { dir: kv.GUEST_IMAGE_DIR, kernel: kv.KERNEL, initrd: kv.INITRD, kernelVersion: kv.KERNEL_VERSION ?? '', cached: kv.CACHED === '1' };
}
