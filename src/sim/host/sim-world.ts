// The sim host's world: the VMs a simulated hypervisor holds, persisted in the state dir so that
// restarts and kill -9 of hostplane can be tested exactly like with a real provider.
import { randomInt } from 'node:crypto';
import type { SimDir } from './sim-dir.js';
import type { SimGuestState } from './sim-shell.js';

export interface SimVm {
  name: string;
  image: string;
  state: 'running' | 'stopped';
  cpu: number;
  memoryMiB: number;
  diskGiB: number;
  mac: string;
  incarnation: string;
  /** When the current boot started (ms); the IP appears bootMs later. */
  startedAt?: number;
  ip?: string;
  /** Guest facts the simulated guest keeps across runs (what provisioning set). */
  guest: { hostname: string; scripts: number; state?: SimGuestState };
}

export interface SimWorldData {
  vms: Record<string, SimVm>;
  nextIp: number;
}

/** A request to change the world from outside the owning process (tests, `hostplane sim`). */
export type SimRequest =
  | { op: 'kill'; name: string } // the VM stops behind hostplane's back
  | { op: 'delete'; name: string } // the VM disappears behind hostplane's back
  | { op: 'create-foreign'; name: string; running: boolean } // a VM hostplane did not create
  | { op: 'readdress'; name: string } // the VM's DHCP lease moved it to a new address (as after a host reboot)
  | { op: 'fail'; command: SimCommand; name?: string; times: number; message?: string };

export type SimCommand = 'list' | 'create' | 'start' | 'stop' | 'delete' | 'configure' | 'ip' | 'guest';

const WORLD = 'sim/world.json';
const REQUESTS = 'sim/requests';

export function loadWorld(dir: SimDir): SimWorldData {
  // A new world starts its addresses at a random place in the sim VM network, so two sim hosts on
  // one machine (parallel tests, two labs) do not hand out the same IP and collide on IP:6443.
  // The world is persisted, so a restart keeps its VMs' addresses.
  return dir.readJson<SimWorldData>(WORLD) ?? { vms: {}, nextIp: randomInt(0, 250 * 200) };
}

export function saveWorld(dir: SimDir, world: SimWorldData): void {
  dir.writeJson(WORLD, world);
}

/** Queues a request for the running sim host (applied on its next observation). */
export function submitSimRequest(dir: SimDir, req: SimRequest): void {
  dir.writeJson(`${REQUESTS}/${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.json`, req);
}

export function takeSimRequests(dir: SimDir): SimRequest[] {
  const files = dir.list(REQUESTS).filter((f) => f.endsWith('.json')).sort();
  const out: SimRequest[] = [];
  for (const f of files) {
    const req = dir.readJson<SimRequest>(`${REQUESTS}/${f}`);
    dir.remove(`${REQUESTS}/${f}`);
    if (req) out.push(req);
  }
  return out;
}
