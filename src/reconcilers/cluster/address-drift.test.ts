import { describe, expect, it } from 'vitest';
import { checkAddressDrift, renderRepairScript, type AddressDriftInput, type NodeAddress, type RepairStep } from './address-drift.js';

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

describe('repair scripts', () => {
  it.each<[RepairStep, RegExp[] | undefined]>([
    [{ node: 'cp', action: 'renewApiServerCert', sans: ['127.0.10.9'] }, [/mv -f \/etc\/kubernetes\/pki\/apiserver\.crt \/etc\/kubernetes\/pki\/apiserver\.key \/etc\/kubernetes\/pki\/replaced-by-hostplane\//, /\nkubeadm init phase certs apiserver --config \/etc\/hostplane\/kubeadm\.yaml\n/]],
    [{ node: 'cp', action: 'rewriteStaticPodManifests', from: '127.0.10.2', to: '127.0.10.9' }, [/sed -ri 's\/127\\\.0\\\.10\\\.2\/127\.0\.10\.9\/g' \/etc\/kubernetes\/manifests\/kube-apiserver\.yaml/, /etcd\.yaml/]],
    [{ node: 'w1', action: 'rewriteKubeconfigs', files: ['/etc/kubernetes/kubelet.conf'], from: '127.0.10.2', to: '127.0.10.9' }, [/^set -euo pipefail\nif test -f \/etc\/kubernetes\/kubelet\.conf; then sed -ri 's#https:\/\/127\\\.0\\\.10\\\.2:#https:\/\/127\.0\.10\.9:#g' \/etc\/kubernetes\/kubelet\.conf; fi\n$/]],
    [{ node: 'cp', action: 'setKubeletNodeIp', ip: '127.0.10.9' }, [/--node-ip=127\.0\.10\.9/]],
    [{ node: 'cp', action: 'restartKubelet' }, [/systemctl restart kubelet/]],
    [{ node: 'cp', action: 'updateClusterConfigMaps', from: 'a', to: 'b' }, undefined],
    [{ node: 'cp', action: 'rewriteHostKubeconfig', server: 'https://127.0.10.9:6443' }, undefined],
  ])('%o', (step, patterns) => {
    const script = renderRepairScript(step, '/etc/hostplane/kubeadm.yaml');
    if (!patterns) expect(script).toBeUndefined();
    else for (const p of patterns) expect(script).toMatch(p);
  });
});
