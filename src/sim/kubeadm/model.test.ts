import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createCa } from '../kube/server/pki.js';
import { caCertHash, initFacts, joinFacts, newBootstrapToken, readKubeadmConfig } from './model.js';

const CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 127.1.2.3, bindPort: 6443}
nodeRegistration: {name: cp}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: lab
kubernetesVersion: v1.32.5
controlPlaneEndpoint: 127.1.2.3:6443
networking: {podSubnet: 10.20.0.0/16, serviceSubnet: 10.97.0.0/16, dnsDomain: lab.local}
apiServer: {certSANs: [127.1.2.3, cp.lab]}
`;

describe('the kubeadm model shared by the sim host and the guest kit', () => {
  it('reads an init config into the facts kubeadm acts on', () => {
    expect(initFacts(readKubeadmConfig(CONFIG), 'host')).toEqual({
      clusterName: 'lab',
      version: '1.32.5',
      nodeName: 'cp',
      advertiseAddress: '127.1.2.3',
      controlPlaneEndpoint: '127.1.2.3:6443',
      podSubnet: '10.20.0.0/16',
      serviceSubnet: '10.97.0.0/16',
      dnsDomain: 'lab.local',
      certSANs: ['127.1.2.3', 'cp.lab'],
    });
    expect(initFacts(readKubeadmConfig(undefined), 'host')).toMatchObject({ clusterName: 'kubernetes', version: '1.31.9', nodeName: 'host', dnsDomain: 'cluster.local', certSANs: [] });
  });

  it.each([
    ['flags', ['join', '127.1.2.3:6443', '--token', 'abcdef.0123456789abcdef', '--discovery-token-ca-cert-hash', 'sha256:aa', '--node-name', 'w1'], undefined, { endpoint: '127.1.2.3:6443', token: 'abcdef.0123456789abcdef', caHash: 'sha256:aa', nodeName: 'w1' }],
    [
      'config',
      ['join', '--config', 'f'],
      'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery: {bootstrapToken: {apiServerEndpoint: "127.1.2.3:6443", token: abcdef.0123456789abcdef, caCertHashes: ["sha256:bb"]}}\nnodeRegistration: {name: w2, kubeletExtraArgs: [{name: node-ip, value: 127.9.9.9}]}\n',
      { endpoint: '127.1.2.3:6443', token: 'abcdef.0123456789abcdef', caHash: 'sha256:bb', nodeName: 'w2', nodeIp: '127.9.9.9' },
    ],
  ] as const)('reads a join from %s', (_what, args, text, want) => {
    expect(joinFacts(args, text, 'host')).toEqual(want);
  });

  it('pins the CA as kubeadm does: sha256 of its SubjectPublicKeyInfo (checked against openssl)', () => {
    const ca = createCa();
    const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: ca.certPem });
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
    const want = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: der }).toString().split(' ')[0];
    expect(caCertHash(ca.certPem)).toBe(want);
  });

  it('makes bootstrap tokens of the form kubeadm checks', () => {
    for (let i = 0; i < 20; i++) expect(newBootstrapToken()).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  });
});
