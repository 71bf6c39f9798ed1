// A certificate authority per simulated cluster, a serving certificate whose SANs cover the
// address the server listens on, and an admin client certificate, as kubeadm makes them. Keys
// come from node:crypto; node-forge builds and signs the X.509 certificates (node has no API
// for issuing them).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

export interface ClusterPki {
  ca: KeyPair;
  server: KeyPair;
  /** CN=kubernetes-admin, O=system:masters */
  admin: KeyPair;
  /** The SANs the serving certificate was issued for (reissue when the address changes). */
  serverSans: string[];
}

function rsaKey(): { forgePub: forge.pki.PublicKey; forgePriv: forge.pki.PrivateKey; keyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  return { forgePub: forge.pki.publicKeyFromPem(publicKey), forgePriv: forge.pki.privateKeyFromPem(privateKey), keyPem: privateKey };
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive
  return b.toString('hex');
}

function issue(opts: {
  subject: forge.pki.CertificateField[];
  pub: forge.pki.PublicKey;
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey };
  selfKey?: forge.pki.PrivateKey;
  ca?: boolean;
  sans?: string[];
  clientAuth?: boolean;
  now: number;
  days: number;
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = opts.pub;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(opts.now - 60 * 60_000);
  cert.validity.notAfter = new Date(opts.now + opts.days * 86_400_000);
  cert.setSubject(opts.subject);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : opts.subject);
  const ext: object[] = [];
  if (opts.ca) ext.push({ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true }, { name: 'subjectKeyIdentifier' });
  else {
    ext.push({ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    ext.push({ name: 'extKeyUsage', serverAuth: !opts.clientAuth, clientAuth: !!opts.clientAuth });
  }
  if (opts.sans?.length) ext.push({ name: 'subjectAltName', altNames: opts.sans.map((s) => (isIP(s) ? { type: 7, ip: s } : { type: 2, value: s })) });
  cert.setExtensions(ext);
  cert.sign((opts.issuer?.key ?? opts.selfKey!) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return cert;
}

/** The names a client may use for the API server: the listen address plus the in-cluster names. */
export function serverSansFor(host: string, extra: string[] = []): string[] {
  return [...new Set([host, '127.0.0.1', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1', ...extra])];
}

export function createCa(now = Date.now()): KeyPair {
  const k = rsaKey();
  const subject = [{ name: 'commonName', value: 'kubernetes' }];
  const cert = issue({ subject, pub: k.forgePub, selfKey: k.forgePriv, ca: true, now, days: 3650 });
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.keyPem };
}

function leaf(ca: KeyPair, subject: forge.pki.CertificateField[], opts: { sans?: string[]; clientAuth?: boolean; now: number }): KeyPair {
  const k = rsaKey();
  const issuer = { cert: forge.pki.certificateFromPem(ca.certPem), key: forge.pki.privateKeyFromPem(ca.keyPem) };
  const cert = issue({ subject, pub: k.forgePub, issuer, sans: opts.sans, clientAuth: opts.clientAuth, now: opts.now, days: 365 });
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.keyPem };
}

export function createClusterPki(host: string, opts: { ca?: KeyPair; extraSans?: string[]; now?: number } = {}): ClusterPki {
  const now = opts.now ?? Date.now();
  const ca = opts.ca ?? createCa(now);
  const serverSans = serverSansFor(host, opts.extraSans);
  const server = leaf(ca, [{ name: 'commonName', value: 'kube-apiserver' }], { sans: serverSans, now });
  const admin = leaf(ca, [{ name: 'commonName', value: 'kubernetes-admin' }, { name: 'organizationName', value: 'system:masters' }], { clientAuth: true, now });
  return { ca, server, admin, serverSans };
}

/** The subject of a verified client certificate as Kubernetes reads it: CN = user, O = groups. */
export function userFromCert(subject: Record<string, string | string[]> | undefined): { user: string; groups: string[] } | undefined {
  if (!subject?.CN) return undefined;
  const o = subject.O;
  return { user: String(subject.CN), groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

/** A client certificate signed by the cluster CA (CN = user, O = groups), e.g. a kubelet's system:node:NAME. */
export function issueClientCert(ca: KeyPair, commonName: string, organizations: string[] = [], now = Date.now()): KeyPair {
  return leaf(ca, [{ name: 'commonName', value: commonName }, ...organizations.map((o) => ({ name: 'organizationName', value: o }))], { clientAuth: true, now });
}

/** A key pair and a PKCS#10 request for it, as a kubelet makes for its TLS bootstrap. */
export function createClientCsr(commonName: string, organizations: string[] = []): { csrPem: string; keyPem: string } {
  const k = rsaKey();
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = k.forgePub;
  csr.setSubject([{ name: 'commonName', value: commonName }, ...organizations.map((o) => ({ name: 'organizationName', value: o }))]);
  csr.sign(k.forgePriv as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { csrPem: forge.pki.certificationRequestToPem(csr), keyPem: k.keyPem };
}

/** Signs a client CSR with the cluster CA (kube-controller-manager's csrsigner); returns the subject too. */
export function signClientCsr(ca: KeyPair, csrPem: string, now = Date.now()): { certPem: string; commonName: string; organizations: string[] } {
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  if (!csr.verify()) throw new Error('the certificate signing request does not verify');
  const issuer = { cert: forge.pki.certificateFromPem(ca.certPem), key: forge.pki.privateKeyFromPem(ca.keyPem) };
  const cert = issue({ subject: csr.subject.attributes, pub: csr.publicKey!, issuer, clientAuth: true, now, days: 365 });
  const attr = (n: string) => csr.subject.attributes.filter((a) => a.name === n).map((a) => String(a.value));
  return { certPem: forge.pki.certificateToPem(cert), commonName: attr('commonName')[0] ?? '', organizations: attr('organizationName') };
}
