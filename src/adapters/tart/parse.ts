// Pure parsers for tart's machine-readable output (reference/tart.md §2 and §8).

import { ProviderError, type ObservedVm, type VmPowerState } from '../../ports/vm-provider.js';

const GIB = 1024 ** 3;

/** tart reports sizes in decimal GB (10^9 bytes); hostplane speaks GiB. */
export function gbToGiB(gb: number): number {
  return Math.floor((gb * 1e9) / GIB);
}

/** The smallest whole number of GB that holds `gib` GiB (what `tart set --disk-size` takes). */
export function gibToGb(gib: number): number {
  return Math.ceil((gib * GIB) / 1e9);
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function stateOf(entry: Record<string, unknown>, name: string): VmPowerState {
  const s = entry.State;
  if (typeof s === 'string') {
    const v = s.toLowerCase();
    if (v === 'running' || v === 'suspended' || v === 'stopped') return v;
  }
  // Before 1.8.0 (and as a deprecated field since) only the Running boolean exists.
  if (typeof entry.Running === 'boolean') return entry.Running ? 'running' : 'stopped';
  throw new ProviderError(
    'CommandFailed',
    `tart list --format json gave VM "${name}" neither a known State nor a Running field (State=${JSON.stringify(s)}); refusing to guess its power state`,
  );
}

/**
 * Parses `tart list --format json` by field name. Requires only Name plus State or Running
 * (the fields Orchard decodes); tolerates Disk (2.6.1+), SizeOnDisk (2.15.0–2.30.x),
 * Accessed (2.31.0+) being present or absent, unknown extra fields and key order.
 * Only local VMs are returned; OCI cache entries are images, not VMs.
 */
export function parseTartList(json: string): ObservedVm[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new ProviderError('CommandFailed', `tart list --format json printed something that is not JSON (${(e as Error).message}): ${json.slice(0, 200)}`);
  }
  if (!Array.isArray(data)) {
    throw new ProviderError('CommandFailed', `tart list --format json printed ${typeof data}, expected an array`);
  }
  const out: ObservedVm[] = [];
  for (const raw of data) {
    if (!raw || typeof raw !== 'object') continue;
    const e = raw as Record<string, unknown>;
    if (typeof e.Name !== 'string' || e.Name === '') continue;
    const source = typeof e.Source === 'string' ? e.Source.toLowerCase() : 'local';
    if (source !== 'local') continue;
    const vm: ObservedVm = { name: e.Name, state: stateOf(e, e.Name) };
    const details: Record<string, string | number | boolean> = { source: 'local' };
    const disk = num(e.Disk);
    if (disk !== undefined) {
      vm.diskGiB = gbToGiB(disk);
      details.diskGB = disk;
    }
    const size = num(e.Size);
    if (size !== undefined) details.sizeGB = size;
    const sod = num(e.SizeOnDisk);
    if (sod !== undefined) details.sizeOnDiskGB = sod;
    if (typeof e.Accessed === 'string') details.accessed = e.Accessed;
    vm.details = details;
    out.push(vm);
  }
  return out;
}

/** `tart get NAME --format json`: CPU, Memory (MiB), Disk (GB), State or Running. */
export function parseTartGet(json: string, name: string): { state: VmPowerState; cpu?: number; memoryMiB?: number; diskGiB?: number; os?: string } {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(json) as Record<string, unknown>;
  } catch (err) {
    throw new ProviderError('CommandFailed', `tart get ${name} --format json printed something that is not JSON (${(err as Error).message})`);
  }
  if (!e || typeof e !== 'object' || Array.isArray(e)) throw new ProviderError('CommandFailed', `tart get ${name} --format json: expected an object`);
  const disk = num(e.Disk);
  return {
    state: stateOf(e, name),
    cpu: num(e.CPU),
    memoryMiB: num(e.Memory),
    diskGiB: disk === undefined ? undefined : gbToGiB(disk),
    os: typeof e.OS === 'string' ? e.OS : undefined,
  };
}

export interface TartVersion {
  major: number;
  minor: number;
  patch: number;
  raw: string;
}

/** `tart --version` prints e.g. `2.32.1`; non-release builds print `SNAPSHOT` (undefined here). */
export function parseTartVersion(stdout: string): TartVersion | undefined {
  const raw = stdout.trim();
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(raw);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), raw };
}
