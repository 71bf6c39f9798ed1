// The sim host's VM provider: the same port as tart and qemu, simulated in-process with a
// latency model and fault injection. It serves the demo, the benchmarks and the fault tests.
import { randomBytes, randomUUID } from 'node:crypto';
import type { SimDir } from './sim-dir.js';
import type { SimClusters, SimClusterVm } from './sim-clusters.js';
import { newGuestState, type SimGuestState } from './sim-shell.js';
import type { GuestEndpoint, ObservedVm, VmCreateRequest, VmProvider, VmResources, VmStartRequest } from '../../ports/vm-provider.js';
import { ProviderError } from '../../ports/vm-provider.js';
import { loadWorld, saveWorld, takeSimRequests, type SimCommand, type SimRequest, type SimVm, type SimWorldData } from './sim-world.js';

/** Milliseconds each operation takes; scale 0 makes everything instant (unit tests). */
export interface SimLatency {
  list: number;
  create: number;
  start: number;
  stop: number;
  delete: number;
  configure: number;
  /** From start until the guest has an IP and answers. */
  boot: number;
  guestCommand: number;
}

export const DEFAULT_SIM_LATENCY: SimLatency = { list: 5, create: 400, start: 150, stop: 150, delete: 100, configure: 50, boot: 800, guestCommand: 40 };

export interface SimVmProviderOptions {
  latency?: Partial<SimLatency>;
  /** Multiplies every latency (0 = instant). */
  scale?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The sim host's Kubernetes clusters (what kubeadm in the guests starts); kept in step with VM power. */
  clusters?: SimClusters;
}

/** The network sim VMs get their addresses from (loopback: listenable, never leaves the host). */
export const SIM_VM_NETWORK = '127.64.0.0/16';

export class SimVmProvider implements VmProvider {
  readonly name = 'sim' as const;
  readonly calls: Record<SimCommand, number> = { list: 0, create: 0, start: 0, stop: 0, delete: 0, configure: 0, ip: 0, guest: 0 };
  private world: SimWorldData;
  private readonly latency: SimLatency;
  private readonly scale: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly faults: { command: SimCommand; name?: string; times: number; message?: string }[] = [];

  readonly clusters?: SimClusters;

  constructor(private readonly dir: SimDir, opts: SimVmProviderOptions = {}) {
    this.world = loadWorld(dir);
    if (opts.clusters) this.clusters = opts.clusters;
    this.latency = { ...DEFAULT_SIM_LATENCY, ...opts.latency };
    this.scale = opts.scale ?? 1;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async list(): Promise<ObservedVm[]> {
    this.calls.list++;
    this.applyRequests();
    await this.delay('list');
    this.fault('list');
    await this.clusters?.sync(this.clusterVms());
    return Object.values(this.world.vms).map((vm) => ({
      name: vm.name,
      state: vm.state,
      cpu: vm.cpu,
      memoryMiB: vm.memoryMiB,
      diskGiB: vm.diskGiB,
      incarnation: vm.incarnation,
      ...(vm.state === 'running' && vm.startedAt !== undefined ? { runId: String(vm.startedAt) } : {}),
      details: { image: vm.image, mac: vm.mac },
    }));
  }

  async create(req: VmCreateRequest): Promise<void> {
    this.calls.create++;
    await this.delay('create');
    this.fault('create', req.name);
    // Like the tart and qemu adapters: never create over an existing VM (tart clone would overwrite it silently).
    if (this.world.vms[req.name]) throw new ProviderError('AlreadyExists', `a VM named "${req.name}" already exists`);
    this.world.vms[req.name] = {
      name: req.name,
      image: req.image,
      state: 'stopped',
      cpu: req.cpu,
      memoryMiB: req.memoryMiB,
      diskGiB: req.diskGiB,
      mac: randomMac(),
      incarnation: randomUUID(),
      guest: { hostname: 'ubuntu', scripts: 0 },
    };
    this.save();
  }

  async start(req: VmStartRequest): Promise<void> {
    this.calls.start++;
    await this.delay('start');
    this.fault('start', req.name);
    const vm = this.mustGet(req.name);
    if (vm.state === 'running') throw new ProviderError('AlreadyRunning', `VM "${req.name}" is already running`);
    vm.state = 'running';
    vm.startedAt = this.now();
    vm.ip ??= this.allocateIp();
    this.save();
    await this.clusters?.sync(this.clusterVms()); // its kubelet (and API server) come back with it
  }

  async stop(name: string): Promise<void> {
    this.calls.stop++;
    await this.delay('stop');
    this.fault('stop', name);
    const vm = this.mustGet(name);
    vm.state = 'stopped';
    delete vm.startedAt;
    this.save();
    await this.clusters?.sync(this.clusterVms()); // a stopped VM's kubelet (and API server) stop
  }

  async delete(name: string): Promise<void> {
    this.calls.delete++;
    await this.delay('delete');
    this.fault('delete', name);
    const vm = this.mustGet(name);
    if (vm.state === 'running') throw new ProviderError('AlreadyRunning', `VM "${name}" is running; stop it before deleting it`);
    delete this.world.vms[name];
    this.save();
  }

  async configure(name: string, res: VmResources): Promise<void> {
    this.calls.configure++;
    await this.delay('configure');
    this.fault('configure', name);
    const vm = this.mustGet(name);
    if (vm.state === 'running') throw new ProviderError('AlreadyRunning', `VM "${name}" must be stopped to change its resources`);
    if (res.diskGiB !== undefined && res.diskGiB < vm.diskGiB) throw new ProviderError('InvalidArgument', `disk of VM "${name}" can only grow (${vm.diskGiB} GiB → ${res.diskGiB} GiB)`);
    if (res.cpu !== undefined) vm.cpu = res.cpu;
    if (res.memoryMiB !== undefined) vm.memoryMiB = res.memoryMiB;
    if (res.diskGiB !== undefined) vm.diskGiB = res.diskGiB;
    this.save();
  }

  async ip(name: string, opts: { waitSeconds?: number } = {}): Promise<string | undefined> {
    this.calls.ip++;
    this.fault('ip', name);
    const vm = this.world.vms[name];
    if (!vm) throw new ProviderError('NotFound', `VM "${name}" does not exist`);
    if (vm.state !== 'running' || vm.startedAt === undefined) return undefined;
    const readyAt = vm.startedAt + this.latency.boot * this.scale;
    const waitMs = Math.min((opts.waitSeconds ?? 0) * 1000, readyAt - this.now());
    if (waitMs > 0) await this.sleep(waitMs);
    return this.now() >= readyAt ? vm.ip : undefined;
  }

  async endpoint(name: string, opts: { waitSeconds?: number } = {}): Promise<GuestEndpoint | undefined> {
    const ip = await this.ip(name, opts);
    return ip ? { host: ip, port: 22 } : undefined;
  }

  // ---- simulation controls (tests, `hostplane sim`) ----

  /** Applies a request as if something outside hostplane did it. */
  apply(req: SimRequest): void {
    switch (req.op) {
      case 'kill': {
        const vm = this.world.vms[req.name];
        if (vm) {
          vm.state = 'stopped';
          delete vm.startedAt;
        }
        break;
      }
      case 'delete':
        delete this.world.vms[req.name];
        break;
      case 'create-foreign':
        this.world.vms[req.name] = { name: req.name, image: 'foreign', state: req.running ? 'running' : 'stopped', cpu: 1, memoryMiB: 1024, diskGiB: 10, mac: randomMac(), incarnation: randomUUID(), startedAt: req.running ? this.now() : undefined, ip: req.running ? this.allocateIp() : undefined, guest: { hostname: req.name, scripts: 0 } };
        break;
      case 'readdress': {
        const vm = this.world.vms[req.name];
        if (vm) {
          // A new DHCP lease comes with a reboot: a new run of the VM, whose address is read again.
          vm.ip = this.allocateIp();
          if (vm.state === 'running' && vm.startedAt !== undefined) vm.startedAt = Math.max(this.now(), vm.startedAt + 1);
        }
        break;
      }
      case 'fail':
        this.faults.push({ command: req.command, name: req.name, times: req.times, message: req.message });
        break;
    }
    this.save();
  }

  vm(name: string): Readonly<SimVm> | undefined {
    return this.world.vms[name];
  }

  /** The VMs as the cluster registry sees them (a stopped VM's kubelet and API server stop). */
  clusterVms(): SimClusterVm[] {
    return Object.values(this.world.vms).map((v) => ({ name: v.name, ...(v.ip ? { ip: v.ip } : {}), running: v.state === 'running', cpu: v.cpu, memoryMiB: v.memoryMiB }));
  }

  /** The simulated guest behind an address (used by the sim guest exec). */
  guestAt(host: string): SimVm | undefined {
    return Object.values(this.world.vms).find((v) => v.ip === host && v.state === 'running');
  }

  /** The guest's simulated system (files, packages, users, hostname, services), created on first use. */
  guestState(vm: SimVm): SimGuestState {
    return (vm.guest.state ??= newGuestState(vm.guest.hostname));
  }

  /** A command changed the guest's system: keep it, as a disk would. */
  saveGuest(vm: SimVm): void {
    if (vm.guest.state) vm.guest.hostname = vm.guest.state.hostname;
    this.save();
  }

  recordGuestCommand(vm: SimVm, hostname?: string): void {
    vm.guest.scripts++;
    // Only what a guest would keep on disk is persisted; counting probes must not rewrite the world.
    if (hostname && hostname !== vm.guest.hostname) {
      vm.guest.hostname = hostname;
      this.save();
    }
  }

  async guestDelay(): Promise<void> {
    this.calls.guest++;
    await this.delay('guestCommand');
  }

  takeFault(command: SimCommand, name?: string): string | undefined {
    const i = this.faults.findIndex((f) => f.command === command && (!f.name || f.name === name));
    if (i === -1) return undefined;
    const f = this.faults[i];
    if (--f.times <= 0) this.faults.splice(i, 1);
    return f.message ?? `injected failure of ${command}${name ? ` on ${name}` : ''}`;
  }

  private applyRequests(): void {
    for (const req of takeSimRequests(this.dir)) this.apply(req);
  }

  private fault(command: SimCommand, name?: string): void {
    const message = this.takeFault(command, name);
    if (message) throw new ProviderError('CommandFailed', message);
  }

  private mustGet(name: string): SimVm {
    const vm = this.world.vms[name];
    if (!vm) throw new ProviderError('NotFound', `VM "${name}" does not exist`);
    return vm;
  }

  /**
   * Sim VMs live in 127.64.0.0/16 (SIM_VM_NETWORK): loopback addresses the host can listen on, so a
   * simulated API server can serve on a control-plane VM's own IP:6443 and no test ever sends
   * traffic to a LAN range.
   */
  private allocateIp(): string {
    const n = this.world.nextIp++;
    return `127.64.${Math.floor(n / 250)}.${(n % 250) + 2}`;
  }

  private async delay(op: keyof SimLatency): Promise<void> {
    const ms = this.latency[op] * this.scale;
    if (ms > 0) await this.sleep(ms);
  }

  private save(): void {
    saveWorld(this.dir, this.world);
  }
}

function randomMac(): string {
  const b = randomBytes(5);
  return ['1e', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}
