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

export interface ClusterValidationInput {
  name: string;
  spec: ClusterSpec;
  /** Every other Cluster in the specs. */
  otherClusters: ReadonlyArray<{ name: string; spec: ClusterSpec }>;
  /** VirtualMachines that exist in the specs, with their IP when known. */
  vms: ReadonlyArray<{ name: string; ip?: string }>;
  /** Networks the VMs live on (e.g. tart's 192.168.64.0/24, QEMU's 10.0.2.0/24). */
  vmNetworks: ReadonlyArray<{ cidr: string; source: string }>;
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
      if (role) add(m.field, `VirtualMachine ${m.vm} is already ${role} of Cluster ${o.name}; a VM belongs to one cluster`, `Cluster/${o.name}`);
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
      for (const [ofield, otext] of [['podCIDR', o.spec.network.podCIDR], ['serviceCIDR', o.spec.network.serviceCIDR]] as const) {
        const oc = parseCidr(otext);
        if (oc && cidrsOverlap(c, oc)) add(field, `${c.text} overlaps ${ofield} ${oc.text} of Cluster ${o.name}`, `Cluster/${o.name}`);
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

/** One line for Ready=False: the first problem, plus how many more. */
export function summarizeProblems(problems: readonly SpecProblem[]): string {
  if (problems.length === 0) return '';
  const p = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `${p.field}: ${p.message}${more}`;
}
