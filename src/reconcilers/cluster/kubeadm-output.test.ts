// Samples follow kubeadm's documented output (kubernetes.io "Certificate Management with kubeadm"
// and "kubeadm token"): the check-expiration table with Go's "Jan 02, 2006 15:04 MST" dates.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KubeadmOutputError, parseCertExpiration, parseJoinCommand } from './kubeadm-output.js';
import { decideCertRenewal } from './upgrade-plan.js';

const HASH = `sha256:${'ab'.repeat(32)}`;

describe('kubeadm output', () => {
  it.each([
    [`kubeadm join 127.0.10.2:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${HASH} \n`],
    [`kubeadm join 127.0.10.2:6443 --token abcdef.0123456789abcdef \\\n\t--discovery-token-ca-cert-hash ${HASH}\n`],
  ])('parses a join command %#', (out) => {
    expect(parseJoinCommand(out)).toEqual({ apiServerEndpoint: '127.0.10.2:6443', token: 'abcdef.0123456789abcdef', caCertHash: HASH });
  });

  it('refuses output without a join command', () => {
    expect(() => parseJoinCommand('failed to load admin kubeconfig\n')).toThrow(KubeadmOutputError);
  });

  const table = `[check-expiration] Reading configuration from the cluster...
[check-expiration] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'

CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
admin.conf                 Dec 06, 2027 04:00 UTC   364d            ca                      no
apiserver                  Dec 06, 2027 04:00 UTC   364d            ca                      no
apiserver-etcd-client      Dec 20, 2026 04:00 UTC   14d             etcd-ca                 no
front-proxy-client         Dec 06, 2027 04:00 UTC   364d            front-proxy-ca          yes

CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
ca                      Dec 04, 2036 04:00 UTC   9y              no
etcd-ca                 Dec 04, 2036 04:00 UTC   9y              no
`;

  it('parses the check-expiration table, leaving out externally managed certificates', () => {
    const certs = parseCertExpiration(table);
    expect(certs.map((c) => c.name)).toEqual(['admin.conf', 'apiserver', 'apiserver-etcd-client', 'ca', 'etcd-ca']);
    expect(certs[2]!.notAfter.toISOString()).toBe('2026-12-20T04:00:00.000Z');
    const d = decideCertRenewal(certs, new Date('2026-12-06T04:00:00Z'));
    expect(d).toMatchObject({ renew: true, expired: false });
    expect(d.message).toMatch(/apiserver-etcd-client expires in 14 days/);
  });

  it('parses the JSON form', () => {
    const json = JSON.stringify({ kind: 'CertificateExpirationInfo', certificates: [{ name: 'apiserver', expirationDate: '2027-12-06T04:00:00Z', missing: false, externallyManaged: false }, { name: 'x', missing: true }], certificateAuthorities: [{ name: 'ca', expirationDate: '2036-12-04T04:00:00Z' }] });
    expect(parseCertExpiration(json).map((c) => `${c.name} ${c.notAfter.toISOString()}`)).toEqual(['apiserver 2027-12-06T04:00:00.000Z', 'ca 2036-12-04T04:00:00.000Z']);
  });

  it('refuses output without rows', () => {
    expect(() => parseCertExpiration('error: couldn\'t read admin.conf\n')).toThrow(/no certificate rows/);
  });
});

describe('kubeadm certs check-expiration fixture (the documented layout)', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../test/cluster/fixtures/kubeadm-certs-check-expiration.txt', import.meta.url)), 'utf8');
  it('reads every certificate and CA not externally managed, and the renewal decision names the earliest', () => {
    const certs = parseCertExpiration(text);
    expect(certs.map((c) => c.name)).toEqual(['admin.conf', 'apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client', 'controller-manager.conf', 'etcd-healthcheck-client', 'etcd-peer', 'etcd-server', 'front-proxy-client', 'scheduler.conf', 'super-admin.conf', 'ca', 'etcd-ca']);
    expect(certs.find((c) => c.name === 'front-proxy-client')!.notAfter.toISOString()).toBe('2027-01-02T17:40:00.000Z');
    const now = new Date('2026-12-06T08:00:00Z');
    expect(decideCertRenewal(certs, now, 30)).toMatchObject({ renew: true, expired: false, earliest: { name: 'front-proxy-client' } });
    expect(decideCertRenewal(certs, now, 20)).toMatchObject({ renew: false, earliest: { name: 'front-proxy-client' } });
  });
});
