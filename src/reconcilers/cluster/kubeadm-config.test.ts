import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KubeadmConfigError, buildKubeadmDocuments, renderKubeadmInitConfig, renderKubeadmJoinConfig } from './kubeadm-config.js';
import { withClusterDefaults, type ClusterSpec } from './spec-types.js';

const dev = withClusterDefaults({
  kubernetesVersion: '1.31',
  controlPlane: { vm: 'dev-master' },
  workers: [{ vm: 'dev-worker1' }],
  network: { podCIDR: '10.20.0.0/16', serviceCIDR: '10.97.0.0/16', dnsDomain: 'cluster.local' },
});
const inputs = (spec: ClusterSpec = dev) => ({ clusterName: 'dev', spec, controlPlaneIp: '127.0.10.2', nodeName: 'dev-master' });

describe('kubeadm v1beta4 init configuration', () => {
  const docs = parseAllDocuments(renderKubeadmInitConfig(inputs())).map((d) => d.toJS());

  it('is three documents: Init, Cluster and Kubelet configuration', () => {
    expect(docs.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual([
      'kubeadm.k8s.io/v1beta4 InitConfiguration',
      'kubeadm.k8s.io/v1beta4 ClusterConfiguration',
      'kubelet.config.k8s.io/v1beta1 KubeletConfiguration',
    ]);
  });

  it('carries the full patch version, networks, endpoint and certSANs with the control-plane IP', () => {
    const c = docs[1];
    expect(c.kubernetesVersion).toBe('v1.31.9');
    expect(c.networking).toEqual({ podSubnet: '10.20.0.0/16', serviceSubnet: '10.97.0.0/16', dnsDomain: 'cluster.local' });
    expect(c.controlPlaneEndpoint).toBe('127.0.10.2:6443');
    expect(c.apiServer.certSANs).toEqual(['127.0.10.2', 'dev-master']);
  });

  it('advertises the control-plane IP and pins the kubelet node-ip (v1beta4 list form)', () => {
    expect(docs[0].localAPIEndpoint).toEqual({ advertiseAddress: '127.0.10.2', bindPort: 6443 });
    expect(docs[0].nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'node-ip', value: '127.0.10.2' }]);
    expect(docs[2].cgroupDriver).toBe('systemd');
  });

  it.each([
    ['Cilium replacing kube-proxy', true, 'cilium', ['addon/kube-proxy'], { disabled: true }],
    ['Cilium with kube-proxy', false, 'cilium', undefined, undefined],
    ['no CNI', true, 'none', undefined, undefined],
  ] as const)('%s: skipPhases %o', (_n, kpr, type, skip, proxy) => {
    const spec = withClusterDefaults({ ...dev, cni: { type, cilium: { ...dev.cni.cilium, kubeProxyReplacement: kpr } } });
    const d = buildKubeadmDocuments(inputs(spec));
    expect(d.init.skipPhases).toEqual(skip);
    expect(d.cluster.proxy).toEqual(proxy);
  });

  it('uses a DNS endpoint and extra SANs when given, keeping the IP as a SAN', () => {
    const spec = withClusterDefaults({ ...dev, controlPlaneEndpoint: { host: 'dev.lab.internal', port: 8443 }, controlPlane: { vm: 'dev-master', certSANs: ['api.dev', '127.0.10.2'] } });
    const d = buildKubeadmDocuments(inputs(spec));
    expect(d.cluster.controlPlaneEndpoint).toBe('dev.lab.internal:8443');
    expect((d.cluster.apiServer as { certSANs: string[] }).certSANs).toEqual(['127.0.10.2', 'dev.lab.internal', 'api.dev', 'dev-master']);
  });

  it('merges the spec patches last (maps merged, lists replaced, kind kept)', () => {
    const spec = withClusterDefaults({
      ...dev,
      kubeadm: {
        clusterConfigurationPatch: { kind: 'Evil', apiServer: { extraArgs: [{ name: 'audit-log-maxage', value: '7' }] }, networking: { dnsDomain: 'lab.local' } },
        kubeletConfigurationPatch: { serverTLSBootstrap: true },
        initConfigurationPatch: { nodeRegistration: { ignorePreflightErrors: ['NumCPU'] } },
      },
    });
    const d = buildKubeadmDocuments(inputs(spec));
    expect(d.cluster.kind).toBe('ClusterConfiguration');
    expect(d.cluster.apiServer).toEqual({ certSANs: ['127.0.10.2', 'dev-master'], extraArgs: [{ name: 'audit-log-maxage', value: '7' }] });
    expect(d.cluster.networking).toMatchObject({ podSubnet: '10.20.0.0/16', dnsDomain: 'lab.local' });
    expect(d.kubelet.serverTLSBootstrap).toBe(true);
    expect(d.init.nodeRegistration).toMatchObject({ name: 'dev-master', ignorePreflightErrors: ['NumCPU'] });
  });

  it('removes the control-plane taint when schedulable', () => {
    const d = buildKubeadmDocuments(inputs(withClusterDefaults({ ...dev, controlPlane: { vm: 'dev-master', schedulable: true } })));
    expect((d.init.nodeRegistration as { taints: unknown[] }).taints).toEqual([]);
  });

  it.each([
    [{ spec: withClusterDefaults({ ...dev, kubernetesVersion: '1.28' }) }, 'spec.kubernetesVersion'],
    [{ controlPlaneIp: '192.168.64.x' }, 'status.controlPlaneIp'],
    [{ spec: withClusterDefaults({ ...dev, controlPlaneEndpoint: { host: 'a b', port: 6443 } }) }, 'spec.controlPlaneEndpoint.host'],
    [{ spec: withClusterDefaults({ ...dev, controlPlane: { vm: 'x', certSANs: ['ok', '$(reboot)'] } }) }, 'spec.controlPlane.certSANs[1]'],
  ])('refuses bad input naming the field (%#)', (over, field) => {
    expect(() => buildKubeadmDocuments({ ...inputs(), ...over })).toThrow(KubeadmConfigError);
    try {
      buildKubeadmDocuments({ ...inputs(), ...over });
    } catch (e) {
      expect((e as KubeadmConfigError).field).toBe(field);
    }
  });
});

describe('kubeadm v1beta4 join configuration', () => {
  const join = { spec: dev, apiServerEndpoint: '127.0.10.2:6443', token: 'abcdef.0123456789abcdef', caCertHash: `sha256:${'a'.repeat(64)}`, nodeName: 'dev-worker1', nodeIp: '127.0.10.3' };
  it('names the endpoint, token, CA hash and node-ip', () => {
    const doc = parseAllDocuments(renderKubeadmJoinConfig(join))[0]!.toJS();
    expect(doc.kind).toBe('JoinConfiguration');
    expect(doc.discovery.bootstrapToken).toEqual({ apiServerEndpoint: '127.0.10.2:6443', token: join.token, caCertHashes: [join.caCertHash] });
    expect(doc.nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'node-ip', value: '127.0.10.3' }]);
  });
  it.each([{ token: 'nope' }, { caCertHash: 'md5:1' }, { apiServerEndpoint: '127.0.10.2' }, { nodeIp: 'x' }])('refuses %o', (over) => {
    expect(() => renderKubeadmJoinConfig({ ...join, ...over })).toThrow(KubeadmConfigError);
  });
});
