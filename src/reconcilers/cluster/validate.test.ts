import { describe, expect, it } from 'vitest';
import { withClusterDefaults, type ClusterSpec } from './spec-types.js';
import { summarizeProblems, validateCluster, type ClusterValidationInput } from './validate.js';

const spec = (over: Partial<ClusterSpec> = {}, cp = 'dev-master', workers = ['dev-worker1'], pod = '10.20.0.0/16', svc = '10.97.0.0/16') =>
  withClusterDefaults({ kubernetesVersion: '1.31', controlPlane: { vm: cp }, workers: workers.map((vm) => ({ vm })), network: { podCIDR: pod, serviceCIDR: svc, dnsDomain: 'cluster.local' }, ...over });

const staging = { name: 'staging', spec: spec({}, 'staging-master', ['staging-worker1'], '10.30.0.0/16', '10.98.0.0/16') };
const vms = ['dev-master', 'dev-worker1', 'dev-worker2', 'staging-master', 'staging-worker1'].map((name, i) => ({ name, ip: `192.168.64.${i + 2}` }));
const base: ClusterValidationInput = { name: 'dev', spec: spec(), otherClusters: [staging], vms, vmNetworks: [{ cidr: '192.168.64.0/24', source: 'tart shared network' }] };

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

  it('summarises the first problem and counts the rest', () => {
    const problems = validateCluster({ ...base, spec: spec({ kubernetesVersion: '1.2' }, 'nope') });
    expect(summarizeProblems(problems)).toMatch(/^spec\.kubernetesVersion: .* \(and 1 more\)$/);
  });
});
