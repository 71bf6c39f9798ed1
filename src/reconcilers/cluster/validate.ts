// Early spec validation (issue 10 item 11): everything that can be known wrong before a command
// runs on a guest. Each problem names the field and, where another object is involved, that object,
// so Ready=False can say "VM dev-worker1 is already a worker of Cluster/staging".
import { cidrContainsIp, cidrsOverlap, parseCidr, parseIPv4, type Cidr } from './cidr.js';
import type { ClusterSpec } from './spec-types.js';
import { parseKubeVersion, supportedMinorsText } from './versions.js';

export interface SpecProblem {
  field: string;
  message: string;
  /** `Kind/name` of the other object involved. */
  otherObject?: string;
}

/**
 * What decides who keeps a contested VM or network range (first come, as Kubernetes keeps the first
 * claim): the VMs a cluster itself initialised (control plane) or joined (workers), as its record in
 * the state dir says; whether it ever initialised a control plane; then the older object
 * (metadata.creationTimestamp), then the name.
 */
export interface ClaimFacts {
  /** VMs this cluster initialised or joined (its record), whatever its spec says now. */
  ownedVms?: readonly string[];
  /** kubeadm init started or finished for this cluster. */
  initialised?: boolean;
  creationTimestamp?: string;
}

export interface ClusterValidationInput extends ClaimFacts {
  name: string;
  spec: ClusterSpec;
  /** Every other Cluster in the specs (not being deleted), with what it owns. */
  otherClusters: ReadonlyArray<{ name: string; spec: ClusterSpec } & ClaimFacts>;
  /** VirtualMachines that exist in the specs, with their IP when known. */
  vms: ReadonlyArray<{ name: string; ip?: string }>;
  /** Networks the VMs live on (e.g. tart's 192.168.64.0/24, QEMU's 10.0.2.0/24). */
  vmNetworks: ReadonlyArray<{ cidr: string; source: string }>;
}

/** a came first: created earlier (an object without a timestamp counts as the newest), then by name. */
function olderThan(a: { name: string } & ClaimFacts, b: { name: string } & ClaimFacts): boolean {
  const ta = a.creationTimestamp ? Date.parse(a.creationTimestamp) : Number.POSITIVE_INFINITY;
  const tb = b.creationTimestamp ? Date.parse(b.creationTimestamp) : Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb;
  return a.name < b.name;
}

/** Whether `self` keeps `vm` against `other` (which claims it too): who initialised/joined it, else the older. */
function keepsVm(self: { name: string } & ClaimFacts, other: { name: string } & ClaimFacts, vm: string): boolean {
  const mine = self.ownedVms?.includes(vm) === true;
  const theirs = other.ownedVms?.includes(vm) === true;
  if (mine !== theirs) return mine;
  return olderThan(self, other);
}

/** Whether `self` keeps its network ranges against an overlapping `other`: the initialised one, else the older. */
function keepsNetworks(self: { name: string } & ClaimFacts, other: { name: string } & ClaimFacts): boolean {
  if (!!self.initialised !== !!other.initialised) return !!self.initialised;
  return olderThan(self, other);
}

export function validateCluster(inp: ClusterValidationInput): SpecProblem[] {
  const { spec } = inp;
  const problems: SpecProblem[] = [];
  const add = (field: string, message: string, otherObject?: string) => problems.push(otherObject ? { field, message, otherObject } : { field, message });

  if (!parseKubeVersion(spec.kubernetesVersion)) {
    add('spec.kubernetesVersion', `Kubernetes ${spec.kubernetesVersion} is not supported; use one of ${supportedMinorsText()}`);
  }

  // Node VMs: exist, listed once, not claimed by another cluster.
  const members: Array<{ vm: string; field: string; role: string }> = [
    { vm: spec.controlPlane.vm, field: 'spec.controlPlane.vm', role: 'control plane' },
    ...(spec.workers ?? []).map((w, i) => ({ vm: w.vm, field: `spec.workers[${i}].vm`, role: 'worker' })),
  ];
  const vmByName = new Map(inp.vms.map((v) => [v.name, v]));
  const seen = new Map<string, string>();
  for (const m of members) {
    if (!vmByName.has(m.vm)) add(m.field, `VirtualMachine ${m.vm} (the ${m.role}) does not exist in the specs`, `VirtualMachine/${m.vm}`);
    const first = seen.get(m.vm);
    if (first) add(m.field, `VirtualMachine ${m.vm} is already used by ${first} of this cluster`);
    else seen.set(m.vm, m.field);
    for (const o of inp.otherClusters) {
      const role = o.spec.controlPlane.vm === m.vm ? 'the control plane' : (o.spec.workers ?? []).some((w) => w.vm === m.vm) ? 'a worker' : undefined;
      const owned = o.ownedVms?.includes(m.vm) === true;
      if (!role && !owned) continue;
      // First come: the cluster that initialised/joined the VM keeps it, else the older object; only the other is refused.
      if (keepsVm(inp, o, m.vm)) continue;
      const why = owned ? `; Cluster ${o.name} ${o.spec.controlPlane.vm === m.vm ? 'initialised' : 'joined'} it first and keeps it` : `; Cluster ${o.name} claimed it first (older object) and keeps it`;
      if (role) add(m.field, `VirtualMachine ${m.vm} is already ${role} of Cluster ${o.name}${why}; a VM belongs to one cluster`, `Cluster/${o.name}`);
      else add(m.field, `VirtualMachine ${m.vm} is still a node of Cluster ${o.name} (it is being removed there: drained and reset); a VM belongs to one cluster, wait until Cluster ${o.name} has let it go`, `Cluster/${o.name}`);
    }
  }

  // Networks: parseable, disjoint from each other, from other clusters and from the VM network.
  const pod = parseCidr(spec.network.podCIDR);
  const svc = parseCidr(spec.network.serviceCIDR);
  if (!pod) add('spec.network.podCIDR', `"${spec.network.podCIDR}" is not an IPv4 CIDR`);
  if (!svc) add('spec.network.serviceCIDR', `"${spec.network.serviceCIDR}" is not an IPv4 CIDR`);
  if (pod && svc && cidrsOverlap(pod, svc)) {
    add('spec.network.podCIDR', `podCIDR ${pod.text} overlaps serviceCIDR ${svc.text}; pick disjoint ranges (e.g. 10.244.0.0/16 and 10.96.0.0/12)`);
  }
  const own: Array<[string, Cidr | undefined]> = [
    ['spec.network.podCIDR', pod],
    ['spec.network.serviceCIDR', svc],
  ];
  for (const [field, c] of own) {
    if (!c) continue;
    for (const o of inp.otherClusters) {
      // First come: the initialised, else the older cluster keeps its ranges; only the newcomer is refused.
      if (keepsNetworks(inp, o)) continue;
      for (const [ofield, otext] of [['podCIDR', o.spec.network.podCIDR], ['serviceCIDR', o.spec.network.serviceCIDR]] as const) {
        const oc = parseCidr(otext);
        if (oc && cidrsOverlap(c, oc)) add(field, `${c.text} overlaps ${ofield} ${oc.text} of Cluster ${o.name}, which ${o.initialised && !inp.initialised ? 'is initialised' : 'is older'} and keeps it`, `Cluster/${o.name}`);
      }
    }
    for (const n of inp.vmNetworks) {
      const nc = parseCidr(n.cidr);
      if (nc && cidrsOverlap(c, nc)) add(field, `${c.text} overlaps the VM network ${nc.text} (${n.source}); nodes would lose their own network`);
    }
    for (const m of members) {
      const ip = vmByName.get(m.vm)?.ip;
      const n = ip === undefined ? undefined : parseIPv4(ip);
      if (n !== undefined && cidrContainsIp(c, n)) add(field, `${c.text} contains ${ip}, the address of VirtualMachine ${m.vm}`, `VirtualMachine/${m.vm}`);
    }
  }
  return problems;
}

/** Problems listed in Ready=False before the rest is only counted. */
export const LISTED_PROBLEMS = 8;

/** Ready=False's message: every problem up to LISTED_PROBLEMS, `; `-separated, then how many more. */
export function summarizeProblems(problems: readonly SpecProblem[], limit = LISTED_PROBLEMS): string {
  if (problems.length === 0) return '';
  const shown = problems.slice(0, limit).map((p) => `${p.field}: ${p.message}`);
  const more = problems.length > limit ? ` (and ${problems.length - limit} more)` : '';
  return `${shown.join('; ')}${more}`;
}
