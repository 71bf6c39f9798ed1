import { describe, expect, it } from 'vitest';
import { withClusterDefaults, type ClusterSpec } from './spec-types.js';
import { LISTED_PROBLEMS, summarizeProblems, validateCluster, type ClusterValidationInput } from './validate.js';

const spec = (over: Partial<ClusterSpec> = {}, cp = 'dev-master', workers = ['dev-worker1'], pod = '10.20.0.0/16', svc = '10.97.0.0/16') =>
  withClusterDefaults({ kubernetesVersion: '1.31', controlPlane: { vm: cp }, workers: workers.map((vm) => ({ vm })), network: { podCIDR: pod, serviceCIDR: svc, dnsDomain: 'cluster.local' }, ...over });

// staging is the older cluster and runs its nodes (its record: init on staging-master, staging-worker1 joined)
const staging = { name: 'staging', creationTimestamp: '2026-01-01T00:00:00Z', initialised: true, ownedVms: ['staging-master', 'staging-worker1'], spec: spec({}, 'staging-master', ['staging-worker1'], '10.30.0.0/16', '10.98.0.0/16') };
const vms = ['dev-master', 'dev-worker1', 'dev-worker2', 'staging-master', 'staging-worker1'].map((name, i) => ({ name, ip: `192.168.64.${i + 2}` }));
const base: ClusterValidationInput = { name: 'dev', creationTimestamp: '2026-02-01T00:00:00Z', spec: spec(), otherClusters: [staging], vms, vmNetworks: [{ cidr: '192.168.64.0/24', source: 'tart shared network' }] };

describe('Cluster spec validation', () => {
  it('accepts the seed topology', () => {
    expect(validateCluster(base)).toEqual([]);
  });

  it.each([
    ['an unsupported minor', { spec: spec({ kubernetesVersion: '1.27' }) }, 'spec.kubernetesVersion', /1\.27 is not supported; use one of 1\.31/, undefined],
    ['a missing control-plane VM', { spec: spec({}, 'dev-cp') }, 'spec.controlPlane.vm', /dev-cp \(the control plane\) does not exist/, 'VirtualMachine/dev-cp'],
    ['a missing worker VM', { spec: spec({}, 'dev-master', ['dev-worker1', 'dev-worker9']) }, 'spec.workers[1].vm', /dev-worker9 \(the worker\) does not exist/, 'VirtualMachine/dev-worker9'],
    ['a VM claimed by another cluster', { spec: spec({}, 'dev-master', ['staging-worker1']) }, 'spec.workers[0].vm', /already a worker of Cluster staging/, 'Cluster/staging'],
    ['the control plane of another cluster', { spec: spec({}, 'staging-master', []) }, 'spec.controlPlane.vm', /already the control plane of Cluster staging/, 'Cluster/staging'],
    ['a VM listed twice', { spec: spec({}, 'dev-master', ['dev-master']) }, 'spec.workers[0].vm', /already used by spec\.controlPlane\.vm/, undefined],
    ['pod CIDR overlapping the service CIDR', { spec: spec({}, undefined, undefined, '10.0.0.0/8', '10.96.0.0/12') }, 'spec.network.podCIDR', /10\.0\.0\.0\/8 overlaps serviceCIDR 10\.96\.0\.0\/12/, undefined],
    ['pod CIDR overlapping another cluster', { spec: spec({}, undefined, undefined, '10.30.128.0/17') }, 'spec.network.podCIDR', /overlaps podCIDR 10\.30\.0\.0\/16 of Cluster staging/, 'Cluster/staging'],
    ['service CIDR overlapping another cluster', { spec: spec({}, undefined, undefined, undefined, '10.98.0.0/16') }, 'spec.network.serviceCIDR', /overlaps serviceCIDR 10\.98\.0\.0\/16 of Cluster staging/, 'Cluster/staging'],
    ['pod CIDR overlapping the VM network', { spec: spec({}, undefined, undefined, '192.168.0.0/16') }, 'spec.network.podCIDR', /overlaps the VM network 192\.168\.64\.0\/24 \(tart shared network\)/, undefined],
    ['QEMU user networking inside the pod pool', { vmNetworks: [{ cidr: '10.0.2.0/24', source: 'QEMU user network' }], spec: spec({}, undefined, undefined, '10.0.0.0/16') }, 'spec.network.podCIDR', /QEMU user network/, undefined],
    ['an unparsable CIDR', { spec: spec({}, undefined, undefined, '10.20.0.0') }, 'spec.network.podCIDR', /not an IPv4 CIDR/, undefined],
  ])('reports %s', (_n, over, field, msg, other) => {
    const problems = validateCluster({ ...base, ...over });
    const p = problems.find((x) => x.field === field && msg.test(x.message));
    expect(p, JSON.stringify(problems)).toBeDefined();
    expect(p!.otherObject).toBe(other);
  });

  it('reports a node IP inside its own pod CIDR', () => {
    const problems = validateCluster({ ...base, vmNetworks: [], vms: vms.map((v) => (v.name === 'dev-worker1' ? { ...v, ip: '10.20.3.4' } : v)) });
    expect(problems).toEqual([{ field: 'spec.network.podCIDR', message: '10.20.0.0/16 contains 10.20.3.4, the address of VirtualMachine dev-worker1', otherObject: 'VirtualMachine/dev-worker1' }]);
  });

  it('lists every problem up to a bound, then counts the rest', () => {
    const problems = validateCluster({ ...base, spec: spec({ kubernetesVersion: '1.2' }, 'nope') });
    expect(summarizeProblems(problems)).toMatch(/^spec\.kubernetesVersion: .*; spec\.controlPlane\.vm: VirtualMachine nope .*does not exist in the specs$/);
    const many = Array.from({ length: 11 }, (_, i) => ({ field: `spec.workers[${i}].vm`, message: `problem ${i}` }));
    const text = summarizeProblems(many);
    for (let i = 0; i < LISTED_PROBLEMS; i++) expect(text).toContain(`spec.workers[${i}].vm: problem ${i}`);
    expect(text).not.toContain(`problem ${LISTED_PROBLEMS}`);
    expect(text).toMatch(new RegExp(`\\(and ${11 - LISTED_PROBLEMS} more\\)$`));
  });

  // First come (issue: a newcomer claiming a running cluster's VM or network made that cluster go Ready=False):
  // the cluster that initialised/joined the VM keeps it, else the older object, then the name; only the other is refused.
  const ts = (d: number) => `2026-01-0${d}T00:00:00Z`;
  const claimant = (name: string, created: string | undefined, owned: string[] = [], initialised = false, cp = `${name}-cp`, workers = ['shared'], pod = `10.${name.length + 40}.0.0/16`, svc = `10.${name.length + 100}.0.0/16`) => ({ name, spec: spec({}, cp, workers, pod, svc), ...(created ? { creationTimestamp: created } : {}), ownedVms: owned, initialised });
  const vmsAll = ['a-cp', 'b-cp', 'shared', 'dev-cp', 'dev-worker1'].map((name) => ({ name }));
  const check = (self: ReturnType<typeof claimant>, other: ReturnType<typeof claimant>) => validateCluster({ ...self, otherClusters: [other], vms: vmsAll, vmNetworks: [] });
  it.each([
    // [what, self, other, self refused?]
    ['the owner (joined the VM) against a newer claimant', claimant('a', ts(1), ['shared'], true), claimant('b', ts(2)), false],
    ['a newer claimant against the owner', claimant('b', ts(2)), claimant('a', ts(1), ['shared'], true), true],
    ['the owner even when it is the newer object', claimant('b', ts(2), ['shared'], true), claimant('a', ts(1)), false],
    ['an older claimant against the owner (ownership wins over age)', claimant('a', ts(1)), claimant('b', ts(2), ['shared'], true), true],
    ['neither owns it: the older object keeps it', claimant('b', ts(1)), claimant('a', ts(2)), false],
    ['neither owns it: the newer object is refused', claimant('a', ts(2)), claimant('b', ts(1)), true],
    ['same age: the name decides (a keeps it)', claimant('a', ts(1)), claimant('b', ts(1)), false],
    ['same age: the name decides (b is refused)', claimant('b', ts(1)), claimant('a', ts(1)), true],
    ['a still-owned VM the other cluster is removing is refused', claimant('b', ts(1), [], false, 'b-cp', ['shared']), { ...claimant('a', ts(2), ['a-cp', 'shared'], true, 'a-cp', []) }, true],
  ])('VM claimed twice: %s', (_n, self, other, refused) => {
    const p = check(self, other).filter((x) => x.field === 'spec.workers[0].vm');
    expect(p.length > 0, JSON.stringify(p)).toBe(refused);
    if (refused) {
      expect(p[0]!.message).toMatch(new RegExp(`VirtualMachine shared is (already a worker|still a node) of Cluster ${other.name}`));
      expect(p[0]!.otherObject).toBe(`Cluster/${other.name}`);
    }
  });

  it('the refused newcomer is told who keeps the VM and why', () => {
    const [p] = check(claimant('steal', ts(2), [], false, 'dev-worker1', []), claimant('dev', ts(1), ['dev-cp', 'dev-worker1'], true, 'dev-cp', ['dev-worker1']));
    expect(p).toEqual({ field: 'spec.controlPlane.vm', message: 'VirtualMachine dev-worker1 is already a worker of Cluster dev; Cluster dev joined it first and keeps it; a VM belongs to one cluster', otherObject: 'Cluster/dev' });
  });

  it.each([
    ['the older cluster keeps an equal podCIDR', claimant('a', ts(1), [], false, 'a-cp', [], '10.30.0.0/16'), claimant('b', ts(2), [], false, 'b-cp', [], '10.30.0.0/16'), false],
    ['the newer cluster is refused for an equal podCIDR', claimant('b', ts(2), [], false, 'b-cp', [], '10.30.0.0/16'), claimant('a', ts(1), [], false, 'a-cp', [], '10.30.0.0/16'), true],
    ['an initialised cluster keeps its range against an older uninitialised one', claimant('b', ts(2), ['b-cp'], true, 'b-cp', [], '10.30.0.0/16'), claimant('a', ts(1), [], false, 'a-cp', [], '10.30.0.0/16'), false],
    ['an uninitialised older cluster is refused against an initialised one', claimant('a', ts(1), [], false, 'a-cp', [], '10.30.0.0/16'), claimant('b', ts(2), ['b-cp'], true, 'b-cp', [], '10.30.0.0/16'), true],
  ])('overlapping networks: %s', (_n, self, other, refused) => {
    const p = check(self, other).filter((x) => x.field === 'spec.network.podCIDR');
    expect(p.length > 0, JSON.stringify(p)).toBe(refused);
    if (refused) expect(p[0]!.message).toMatch(new RegExp(`10\\.30\\.0\\.0/16 overlaps podCIDR 10\\.30\\.0\\.0/16 of Cluster ${other.name}, which is (older|initialised) and keeps it`));
  });
});
