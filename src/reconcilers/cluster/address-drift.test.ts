import { describe, expect, it } from 'vitest';
import { checkAddressDrift, type AddressDriftInput, type NodeAddress } from './address-drift.js';

const nodes = (cp: string, w: string): NodeAddress[] => [
  { node: 'dev-master', role: 'control-plane', recordedIp: '127.0.10.2', currentIp: cp },
  { node: 'dev-worker1', role: 'worker', recordedIp: '127.0.10.3', currentIp: w },
];
const input = (over: Partial<AddressDriftInput> = {}): AddressDriftInput => ({ nodes: nodes('127.0.10.2', '127.0.10.3'), endpointPort: 6443, labVmIps: new Map(), ...over });
const steps = (r: ReturnType<typeof checkAddressDrift>) => r.repair.map((s) => `${s.node}:${s.action}`);

describe('node address drift', () => {
  it('no change is stable', () => {
    expect(checkAddressDrift(input())).toMatchObject({ stable: true, reason: 'Stable', repair: [] });
  });

  it('an unknown current IP (VM stopped) is not drift', () => {
    expect(checkAddressDrift(input({ nodes: [{ node: 'dev-master', role: 'control-plane', recordedIp: '127.0.10.2' }] })).stable).toBe(true);
  });

  it('a changed control-plane IP with an IP endpoint: cert, manifests, kubeconfigs everywhere, config maps, host kubeconfig', () => {
    const r = checkAddressDrift(input({ nodes: nodes('127.0.10.9', '127.0.10.3'), certSANs: ['api.dev'] }));
    expect(r).toMatchObject({ stable: false, reason: 'NodeAddressChanged', safe: true });
    expect(r.message).toContain('dev-master 127.0.10.2 → 127.0.10.9');
    expect(steps(r)).toEqual([
      'dev-master:renewApiServerCert', 'dev-master:rewriteStaticPodManifests', 'dev-master:setKubeletNodeIp', 'dev-master:rewriteKubeconfigs', 'dev-master:restartKubelet',
      'dev-master:updateClusterConfigMaps', 'dev-worker1:rewriteKubeconfigs', 'dev-worker1:restartKubelet', 'dev-master:rewriteHostKubeconfig',
    ]);
    expect(r.repair[0]).toEqual({ node: 'dev-master', action: 'renewApiServerCert', sans: ['127.0.10.9', 'api.dev', 'dev-master'] });
    expect(r.repair.at(-1)).toEqual({ node: 'dev-master', action: 'rewriteHostKubeconfig', server: 'https://127.0.10.9:6443' });
  });

  it('with a DNS endpoint the kubeconfigs stay valid: only cert, manifests and kubelet', () => {
    const r = checkAddressDrift(input({ nodes: nodes('127.0.10.9', '127.0.10.3'), endpointHost: 'dev.lab.internal' }));
    expect(steps(r)).toEqual(['dev-master:renewApiServerCert', 'dev-master:rewriteStaticPodManifests', 'dev-master:setKubeletNodeIp', 'dev-master:restartKubelet']);
  });

  it('a changed worker IP: set its node-ip and restart its kubelet', () => {
    const r = checkAddressDrift(input({ nodes: nodes('127.0.10.2', '127.0.10.7') }));
    expect(steps(r)).toEqual(['dev-worker1:setKubeletNodeIp', 'dev-worker1:restartKubelet']);
  });

  it('refuses to repair when the old address now belongs to another VM, and says why', () => {
    const r = checkAddressDrift(input({ nodes: nodes('127.0.10.9', '127.0.10.3'), labVmIps: new Map([['staging-master', '127.0.10.2']]) }));
    expect(r).toMatchObject({ safe: false, repair: [] });
    expect(r.message).toMatch(/127\.0\.10\.2 now belongs to VirtualMachine staging-master/);
    expect(r.message).toMatch(/fixed addresses/);
  });
});
