import { describe, expect, it } from 'vitest';
import { CiliumValuesError, ciliumValues } from './cilium-values.js';
import { withClusterDefaults, type CiliumSpec } from './spec-types.js';

const spec = (cilium: Partial<CiliumSpec> = {}, dnsDomain = 'cluster.local') =>
  withClusterDefaults({
    kubernetesVersion: '1.31',
    controlPlane: { vm: 'platform-master' },
    network: { podCIDR: '10.10.0.0/16', serviceCIDR: '10.96.0.0/16', dnsDomain },
    cni: { type: 'cilium', cilium: { ...withClusterDefaults({ kubernetesVersion: '1.31', controlPlane: { vm: 'x' } }).cni.cilium, ...cilium } },
  });

describe('Cilium helm values', () => {
  it('replace kube-proxy, point at the control plane and use the spec pod CIDR as the pool', () => {
    const v = ciliumValues({ spec: spec(), apiServerHost: '127.0.20.2' });
    expect(v).toMatchObject({
      kubeProxyReplacement: true,
      k8sServiceHost: '127.0.20.2',
      k8sServicePort: 6443,
      ipam: { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: ['10.10.0.0/16'] } },
      hubble: { enabled: true, relay: { enabled: true }, ui: { enabled: true } },
    });
  });

  it.each([
    ['hubble off disables relay and ui', { hubble: { enabled: false, relay: true, ui: true } }, { enabled: false, relay: { enabled: false }, ui: { enabled: false } }],
    ['relay off disables ui (it needs relay)', { hubble: { enabled: true, relay: false, ui: true } }, { enabled: true, relay: { enabled: false }, ui: { enabled: false } }],
    ['ui off keeps relay', { hubble: { enabled: true, relay: true, ui: false } }, { enabled: true, relay: { enabled: true }, ui: { enabled: false } }],
  ])('%s', (_n, c, hubble) => {
    expect(ciliumValues({ spec: spec(c), apiServerHost: 'h' }).hubble).toEqual(hubble);
  });

  it('kubernetes IPAM mode carries no pool', () => {
    expect(ciliumValues({ spec: spec({ ipamMode: 'kubernetes' }), apiServerHost: 'h' }).ipam).toEqual({ mode: 'kubernetes' });
  });

  it('tells hubble the peer service domain when it is not cluster.local', () => {
    expect(ciliumValues({ spec: spec({}, 'lab.local'), apiServerHost: 'h' }).hubble).toMatchObject({ peerService: { clusterDomain: 'lab.local' } });
  });

  it('merges values files, then inline values last (maps merged, lists replaced, null deletes)', () => {
    const v = ciliumValues({
      spec: spec({ values: { hubble: { ui: { service: { type: 'NodePort', nodePort: 31235 } } }, operator: null } }),
      apiServerHost: 'h',
      valuesFiles: [{ hubble: { ui: { service: { type: 'ClusterIP' } } }, tolerations: [{ operator: 'Exists' }] }, { tolerations: [] }],
    });
    expect(v.hubble).toMatchObject({ ui: { enabled: true, service: { type: 'NodePort', nodePort: 31235 } } });
    expect(v.tolerations).toEqual([]);
    expect(v).not.toHaveProperty('operator');
  });

  it.each([
    ['Cilium 10.0.0.0/8 default put back by values', { values: { ipam: { operator: { clusterPoolIPv4PodCIDRList: ['10.0.0.0/8'] } } } }, /Cilium's default/],
    ['the pool list removed (falls back to the default)', { values: { ipam: { operator: { clusterPoolIPv4PodCIDRList: null } } } }, /Cilium's default/],
    ['a pool overlapping the service CIDR', { values: { ipam: { operator: { clusterPoolIPv4PodCIDRList: ['10.96.128.0/17'] } } } }, /overlaps serviceCIDR 10\.96\.0\.0\/16/],
  ])('refuses %s', (_n, c, msg) => {
    expect(() => ciliumValues({ spec: spec(c), apiServerHost: 'h' })).toThrow(CiliumValuesError);
    expect(() => ciliumValues({ spec: spec(c), apiServerHost: 'h' })).toThrow(msg);
  });
});
