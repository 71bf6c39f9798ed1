// The Kubernetes node tools of a guest-sandbox guest: kubeadm, kubelet, containerd and crictl as
// real processes inside the guest (hack/guest-sandbox mounts this file, bundled, read-only at
// /opt/hostplane-sim and its shims exec it). `kubeadm init` writes the files real kubeadm writes
// (pki/ with a CA and an API server certificate with the SANs, admin.conf, kubelet.conf,
// manifests/, /var/lib/kubelet/config.yaml) and starts the simulated API server (src/sim/kube) as a
// process of the guest on its IP:6443, with the control-plane node's simulated kubelet. `kubeadm
// join` validates its bootstrap token (the API server accepts only tokens it has a Secret for) and
// the CA pin, gets a client certificate signed through a CSR, writes kubelet.conf and starts a kubelet
// process that keeps its node alive with a Lease; the API server registers the node. `kubeadm reset`
// stops them and removes the files. Everything dies with the guest, as on a VM.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { cpus, hostname, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { stringify, parse } from 'yaml';
import { kubeadmStaticPods } from '../kube/control-plane/index.js';
import { kubeconfigYaml } from '../kube/kubeconfig.js';
import { createCa, createClientCsr, createClusterPki, issueClientCert, serverSansFor, signClientCsr, type ClusterPki, type KeyPair } from '../kube/server/pki.js';
import { SimCluster } from '../kube/sim-cluster.js';
import type { KubeObject } from '../kube/object-store.js';
import { caCertHash, certsCheckExpirationText, CONTAINERD_DEFAULT_CONFIG, initFacts, initSuccessText, JOINED_TEXT, joinCommandLine, joinFacts, kubeletConfigYaml, newBootstrapToken, PREFLIGHT, preflightFailure, readKubeadmConfig, RESET_TEXT, STACK_HINT } from '../kubeadm/model.js';

const K = '/etc/kubernetes';
const PKI = `${K}/pki`;
const KIT_STATE = `${K}/hostplane-sim`;
const APISERVER_JSON = `${KIT_STATE}/apiserver.json`;
const KUBELET_JSON = '/var/lib/kubelet/hostplane-sim.json';
const ETCD_DIR = '/var/lib/etcd/hostplane-sim';
const RUN_DIR = '/run/hostplane-sim';
const GS = '/var/lib/guest-sandbox';
/** One line per kubeadm run (`<time> <verb>`): what tests count (init once, join once). */
export const KUBEADM_RUNS = `${GS}/kubeadm-runs`;
const LEASE_PREFIX = 'sim-kubelet-';
const CSR_PREFIX = 'node-csr-';
const R = {
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  configmaps: { group: '', version: 'v1', resource: 'configmaps' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
};

interface ApiserverConfig {
  clusterName: string;
  host: string;
  port: number;
  endpoint: string;
  version: string;
  podSubnet?: string;
  serviceSubnet?: string;
  sans: string[];
  node: { name: string; ip: string; cpu: number; memoryMiB: number };
}

class KitError extends Error {}

const read = (f: string) => readFileSync(f, 'utf8');
const readOr = (f: string, d = '') => (existsSync(f) ? read(f) : d);
function put(file: string, content: string, mode = 0o600): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content, { mode });
}
const lines = (f: string) => readOr(f).split('\n').map((l) => l.trim()).filter(Boolean);
const unitActive = (u: string) => lines(`${GS}/units`).includes(`active ${u}`);
function setUnit(u: string, active: boolean): void {
  const rest = lines(`${GS}/units`).filter((l) => l !== `active ${u}`);
  put(`${GS}/units`, [...rest, ...(active ? [`active ${u}`, ...(rest.includes(`enabled ${u}`) ? [] : [`enabled ${u}`])] : [])].map((l) => `${l}\n`).join(''), 0o644);
}
const sysctl = (k: string) => lines(`${GS}/sysctl.conf`).find((l) => l.startsWith(`${k} = `))?.slice(k.length + 3);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** The guest's own address: the one its sshd listens on (guest-sandbox writes it at every boot). */
function guestIp(): string {
  const m = /^ListenAddress\s+(\S+)/m.exec(readOr('/etc/guest-sandbox/sshd_config'));
  return m?.[1] ?? '127.0.0.1';
}

/** The kubelet package version apt-get recorded (`kubelet=1.31.9-*`). */
function packageVersion(pkg: string): string | undefined {
  const l = lines(`${GS}/packages`).find((x) => x === pkg || x.startsWith(`${pkg}=`));
  return l?.includes('=') ? l.slice(pkg.length + 1).replace(/-.*$/, '') : undefined;
}

// ---- a small HTTPS client ---------------------------------------------------------------------

interface Creds {
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
}

function credsOf(kubeconfigText: string): { server: string; creds: Creds } {
  const kc = parse(kubeconfigText) as { clusters?: { cluster: Record<string, string> }[]; users?: { user: Record<string, string> }[] } | null;
  const c = kc?.clusters?.[0]?.cluster;
  if (!c?.server) throw new KitError('the kubeconfig has no cluster with a server');
  const u = kc?.users?.[0]?.user ?? {};
  return { server: c.server!, creds: { ca: unb64(c['certificate-authority-data']), ...(u['client-certificate-data'] ? { cert: unb64(u['client-certificate-data']), key: unb64(u['client-key-data']) } : {}), ...(u.token ? { token: u.token } : {}) } };
}

function api(server: string, creds: Creds, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: any }> {
  const url = new URL(path, server);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, timeout: 10_000, headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': contentType } : {}), ...(creds.token ? { authorization: `Bearer ${creds.token}` } : {}) }, ...(creds.ca ? { ca: creds.ca } : { rejectUnauthorized: false }), ...(creds.cert ? { cert: creds.cert, key: creds.key } : {}) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(150);
  }
  throw new KitError(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${last}` : ''}`);
}

function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

// ---- daemons ----------------------------------------------------------------------------------

function startDaemon(name: string, args: string[]): void {
  mkdirSync(RUN_DIR, { recursive: true });
  mkdirSync('/var/log/hostplane-sim', { recursive: true });
  const log = openSync(`/var/log/hostplane-sim/${name}.log`, 'a');
  const child = spawn(process.execPath, [process.argv[1]!, ...args], { detached: true, stdio: ['ignore', log, log] });
  writeFileSync(`${RUN_DIR}/${name}.pid`, `${child.pid}\n`);
  child.unref();
}

async function stopDaemon(name: string): Promise<void> {
  const pid = Number(readOr(`${RUN_DIR}/${name}.pid`).trim());
  rmSync(`${RUN_DIR}/${name}.pid`, { force: true });
  if (!pid) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && alive(); i++) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
}

function validBootstrapToken(cluster: SimCluster | undefined, token: string): boolean {
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(token);
  if (!m || !cluster) return false;
  const s = cluster.store.get(R.secrets, 'kube-system', `bootstrap-token-${m[1]}`) as (KubeObject & { data?: Record<string, string> }) | undefined;
  if (!s || unb64(s.data?.['token-secret']) !== m[2]) return false;
  const exp = unb64(s.data?.expiration);
  return !exp || Date.parse(exp) > Date.now();
}

/** kube-apiserver + controller-manager + scheduler + this node's kubelet, and the kubelets' registrar. */
async function apiserverDaemon(): Promise<number> {
  const cfg = JSON.parse(read(APISERVER_JSON)) as ApiserverConfig;
  const ca: KeyPair = { certPem: read(`${PKI}/ca.crt`), keyPem: read(`${PKI}/ca.key`) };
  const server: KeyPair = { certPem: read(`${PKI}/apiserver.crt`), keyPem: read(`${PKI}/apiserver.key`) };
  const pki: ClusterPki = { ca, server, admin: server, serverSans: cfg.sans };
  let cluster: SimCluster | undefined;
  cluster = await SimCluster.start({ name: cfg.clusterName, host: cfg.host, port: cfg.port, stateDir: ETCD_DIR, pki, acceptToken: (t) => validBootstrapToken(cluster, t), persistDebounceMs: 500 });
  const c = cluster;
  const cpl = c.controlPlane!;
  const version = `v${cfg.version}`;
  cpl.addNode({ ...cfg.node, kubeletVersion: version, staticPods: kubeadmStaticPods({ nodeIP: cfg.node.ip, version, ...(cfg.podSubnet ? { podSubnet: cfg.podSubnet } : {}), ...(cfg.serviceSubnet ? { serviceSubnet: cfg.serviceSubnet } : {}) }), labels: { 'node-role.kubernetes.io/control-plane': '' } });
  // kubeadm's bootstrap-token phase: kube-public/cluster-info, which joining nodes read to find the CA.
  if (!c.store.get(R.namespaces, undefined, 'kube-public')) c.store.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-public' } });
  const clusterInfo = stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: '', cluster: { server: `https://${cfg.endpoint}`, 'certificate-authority-data': b64(ca.certPem) } }] });
  if (!c.store.get(R.configmaps, 'kube-public', 'cluster-info')) c.store.create(R.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: clusterInfo } });

  // Remote kubelets (other guests) keep a Lease; a fresh one is a running kubelet, a stale one a stopped VM.
  const remote = new Map<string, 'running' | 'stopped'>();
  const tick = () => {
    const now = Date.now();
    const seen = new Set<string>();
    for (const l of c.store.list(R.leases, { namespace: 'kube-system' }).items) {
      const name = l.metadata.name!;
      if (!name.startsWith(LEASE_PREFIX)) continue;
      const node = name.slice(LEASE_PREFIX.length);
      seen.add(node);
      const a = l.metadata.annotations ?? {};
      const fresh = now - Date.parse(String((l.spec as { renewTime?: string } | undefined)?.renewTime ?? 0)) < 20_000;
      const state = remote.get(node);
      try {
        if (!state && fresh) {
          cpl.addNode({ name: node, ip: a['hostplane.dev/ip'] ?? '127.0.0.1', cpu: Number(a['hostplane.dev/cpu'] ?? 2), memoryMiB: Number(a['hostplane.dev/memory-mib'] ?? 2048), kubeletVersion: a['hostplane.dev/version'] ?? version });
          remote.set(node, 'running');
        } else if (state === 'stopped' && fresh) {
          cpl.startNode(node);
          remote.set(node, 'running');
        } else if (state === 'running' && !fresh) {
          cpl.stopNode(node);
          remote.set(node, 'stopped');
        }
      } catch (e) {
        process.stderr.write(`kube-apiserver: node ${node}: ${e instanceof Error ? e.message : e}\n`);
      }
    }
    for (const node of [...remote.keys()]) {
      if (seen.has(node)) continue;
      cpl.removeNode(node);
      remote.delete(node);
    }
    // The CSR signer: node client certificates for TLS bootstrap (a ConfigMap stands in for the CSR API).
    for (const cm of c.store.list(R.configmaps, { namespace: 'kube-system' }).items) {
      const data = (cm as { data?: Record<string, string> }).data ?? {};
      if (!cm.metadata.name!.startsWith(CSR_PREFIX) || !data.csr || data.certificate || data.denied) continue;
      const node = cm.metadata.name!.slice(CSR_PREFIX.length);
      let patch: Record<string, string>;
      try {
        const signed = signClientCsr(ca, data.csr);
        patch = signed.commonName === `system:node:${node}` && signed.organizations.includes('system:nodes') ? { certificate: signed.certPem } : { denied: `subject must be CN=system:node:${node}, O=system:nodes` };
      } catch (e) {
        patch = { denied: e instanceof Error ? e.message : String(e) };
      }
      c.store.patch(R.configmaps, 'kube-system', cm.metadata.name!, 'merge', { data: patch });
    }
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch (e) {
      process.stderr.write(`kube-apiserver: ${e instanceof Error ? e.message : e}\n`);
    }
  }, 250);
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, () => resolve());
  });
  clearInterval(timer);
  await c.stop();
  return 0;
}

/** A worker's kubelet: renews its node's Lease every 5 s with the kubelet.conf credentials. */
async function kubeletDaemon(): Promise<number> {
  const me = JSON.parse(read(KUBELET_JSON)) as { nodeName: string; ip: string; version: string; cpu: number; memoryMiB: number };
  const { server, creds } = credsOf(read(`${K}/kubelet.conf`));
  const name = `${LEASE_PREFIX}${me.nodeName}`;
  const base = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases';
  let stop = false;
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, () => (stop = true));
  while (!stop) {
    const renewTime = new Date().toISOString().replace('Z', '000Z');
    try {
      const r = await api(server, creds, 'PATCH', `${base}/${name}`, { spec: { renewTime } }, 'application/merge-patch+json');
      if (r.status === 404) {
        await api(server, creds, 'POST', base, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-system', annotations: { 'hostplane.dev/ip': me.ip, 'hostplane.dev/cpu': String(me.cpu), 'hostplane.dev/memory-mib': String(me.memoryMiB), 'hostplane.dev/version': me.version } }, spec: { holderIdentity: me.nodeName, leaseDurationSeconds: 40, renewTime } });
      }
    } catch (e) {
      process.stderr.write(`kubelet: ${e instanceof Error ? e.message : e}\n`);
    }
    for (let i = 0; i < 50 && !stop; i++) await sleep(100);
  }
  return 0;
}

// ---- kubeadm ----------------------------------------------------------------------------------

function preflightNode(): string[] {
  const errs: string[] = [];
  if (readOr(`${GS}/swap`).trim() === 'on') errs.push(PREFLIGHT.swap);
  if (!existsSync('/sys/module/br_netfilter') || sysctl('net.bridge.bridge-nf-call-iptables') !== '1') errs.push(PREFLIGHT.bridge);
  if (sysctl('net.ipv4.ip_forward') !== '1') errs.push(PREFLIGHT.ipForward);
  if (!unitActive('containerd')) errs.push(PREFLIGHT.cri);
  return errs;
}

function kubeconfigFor(cluster: string, server: string, ca: KeyPair, client: KeyPair): string {
  return kubeconfigYaml({ cluster, server, pki: { ca, server: client, admin: client, serverSans: [] }, token: '', auth: 'cert' });
}

async function createToken(server: string, creds: Creds, ttlMs: number): Promise<string> {
  const token = newBootstrapToken();
  const [id, secret] = token.split('.') as [string, string];
  const data = { 'token-id': id, 'token-secret': secret, expiration: new Date(Date.now() + ttlMs).toISOString(), 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true', 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' };
  const r = await api(server, creds, 'POST', '/api/v1/namespaces/kube-system/secrets', { apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) });
  if (r.status >= 300) throw new KitError(`failed to create or update bootstrap token with name bootstrap-token-${id}: ${r.status} ${JSON.stringify(r.json?.message ?? r.json)}`);
  return token;
}

function ttlMs(v: string | undefined): number {
  const m = /^(\d+)([smh])$/.exec(v ?? '24h');
  if (!m) return 86_400_000;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

async function kubeadmInit(args: string[], out: (s: string) => void): Promise<number> {
  const file = opt(args, '--config');
  if (file && !existsSync(file)) throw new KitError(`open ${file}: no such file or directory`);
  const f = initFacts(readKubeadmConfig(file ? read(file) : undefined), hostname());
  const ip = f.advertiseAddress ?? guestIp();
  const errs = preflightNode();
  if (existsSync(`${K}/manifests/kube-apiserver.yaml`)) errs.push(PREFLIGHT.manifests);
  if (await portInUse(ip, 6443)) errs.push(PREFLIGHT.port);
  if (errs.length) throw new KitError(preflightFailure(errs));
  const endpoint = f.controlPlaneEndpoint ?? `${ip}:6443`;
  const serviceIp = firstServiceIp(f.serviceSubnet ?? '10.96.0.0/12');
  const sans = serverSansFor(ip, [f.nodeName, ...f.certSANs, endpoint.replace(/:\d+$/, ''), serviceIp, `kubernetes.default.svc.${f.dnsDomain}`]);
  // [certs]
  const ca = createCa();
  const pki = createClusterPki(ip, { ca, extraSans: sans });
  put(`${PKI}/ca.crt`, ca.certPem, 0o644);
  put(`${PKI}/ca.key`, ca.keyPem);
  put(`${PKI}/apiserver.crt`, pki.server.certPem, 0o644);
  put(`${PKI}/apiserver.key`, pki.server.keyPem);
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  put(`${PKI}/sa.key`, sa.privateKey);
  put(`${PKI}/sa.pub`, sa.publicKey, 0o644);
  // [kubeconfig]
  const server = `https://${endpoint}`;
  put(`${K}/admin.conf`, kubeconfigFor(f.clusterName, server, ca, pki.admin));
  put(`${K}/super-admin.conf`, kubeconfigFor(f.clusterName, server, ca, issueClientCert(ca, 'kubernetes-super-admin', ['system:masters'])));
  put(`${K}/kubelet.conf`, kubeconfigFor(f.clusterName, server, ca, issueClientCert(ca, `system:node:${f.nodeName}`, ['system:nodes'])));
  put(`${K}/controller-manager.conf`, kubeconfigFor(f.clusterName, `https://${ip}:6443`, ca, issueClientCert(ca, 'system:kube-controller-manager')));
  put(`${K}/scheduler.conf`, kubeconfigFor(f.clusterName, `https://${ip}:6443`, ca, issueClientCert(ca, 'system:kube-scheduler')));
  // [kubelet-start]
  put('/var/lib/kubelet/config.yaml', kubeletConfigYaml({ clusterDNS: tenthServiceIp(f.serviceSubnet ?? '10.96.0.0/12'), clusterDomain: f.dnsDomain }), 0o644);
  put('/var/lib/kubelet/kubeadm-flags.env', `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --node-ip=${ip}"\n`, 0o644);
  // [control-plane] [etcd]
  const version = `v${f.version}`;
  for (const pod of kubeadmStaticPods({ nodeIP: ip, version, ...(f.podSubnet ? { podSubnet: f.podSubnet } : {}), ...(f.serviceSubnet ? { serviceSubnet: f.serviceSubnet } : {}) })) {
    put(`${K}/manifests/${pod.metadata.name}.yaml`, stringify(pod), 0o600);
  }
  const cfg: ApiserverConfig = { clusterName: f.clusterName, host: ip, port: 6443, endpoint, version: f.version, ...(f.podSubnet ? { podSubnet: f.podSubnet } : {}), ...(f.serviceSubnet ? { serviceSubnet: f.serviceSubnet } : {}), sans, node: { name: f.nodeName, ip, cpu: cpus().length, memoryMiB: Math.floor(totalmem() / 1048576) } };
  put(APISERVER_JSON, JSON.stringify(cfg, null, 1));
  rmSync(ETCD_DIR, { recursive: true, force: true });
  startDaemon('kube-apiserver', ['apiserver-daemon']);
  setUnit('kubelet', true);
  // [wait-control-plane]
  const admin = credsOf(read(`${K}/admin.conf`));
  await until('the API server to answer /readyz', 60_000, async () => ((await api(`https://${ip}:6443`, { ca: ca.certPem }, 'GET', '/readyz')).status === 200 ? true : undefined));
  // [bootstrap-token]
  const token = await createToken(`https://${ip}:6443`, admin.creds, ttlMs('24h'));
  out(initSuccessText(joinCommandLine(endpoint, token, caCertHash(ca.certPem))));
  return 0;
}

async function kubeadmJoin(args: string[], out: (s: string) => void): Promise<number> {
  const file = opt(args, '--config');
  if (file && !existsSync(file)) throw new KitError(`open ${file}: no such file or directory`);
  const j = joinFacts(args, file ? read(file) : undefined, hostname());
  const errs = preflightNode();
  if (existsSync(`${K}/kubelet.conf`)) errs.push(PREFLIGHT.kubeletConf);
  if (errs.length) throw new KitError(preflightFailure(errs));
  if (!j.endpoint || !j.token) throw new KitError('discovery: Invalid value: "": bootstrapToken or file must be set');
  const server = `https://${j.endpoint}`;
  // [discovery] the CA comes from cluster-info and must match the pinned hash
  let info;
  try {
    info = await api(server, { token: j.token }, 'GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info');
  } catch (e) {
    throw new KitError(`couldn't validate the identity of the API Server: Get "${server}/api/v1/namespaces/kube-public/configmaps/cluster-info": ${e instanceof Error ? e.message : e}`);
  }
  if (info.status === 401) throw new KitError(`couldn't validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "${j.token.split('.')[0]}"`);
  if (info.status !== 200) throw new KitError(`couldn't validate the identity of the API Server: cluster-info: ${info.status}`);
  const ca = credsOf(String(info.json.data.kubeconfig)).creds.ca!;
  const hash = `sha256:${caCertHash(ca)}`;
  if (j.caHash && j.caHash !== hash) throw new KitError(`cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${hash}" are pinned`);
  // [kubelet-start] TLS bootstrap: a CSR signed by the control plane
  const boot: Creds = { ca, token: j.token };
  const { csrPem, keyPem } = createClientCsr(`system:node:${j.nodeName}`, ['system:nodes']);
  const cmName = `${CSR_PREFIX}${j.nodeName}`;
  await api(server, boot, 'DELETE', `/api/v1/namespaces/kube-system/configmaps/${cmName}`);
  const created = await api(server, boot, 'POST', '/api/v1/namespaces/kube-system/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cmName, namespace: 'kube-system' }, data: { csr: csrPem } });
  if (created.status >= 300) throw new KitError(`the certificate signing request was not accepted: ${created.status} ${JSON.stringify(created.json?.message ?? created.json)}`);
  const certPem = await until('the node client certificate to be signed', 30_000, async () => {
    const r = await api(server, boot, 'GET', `/api/v1/namespaces/kube-system/configmaps/${cmName}`);
    if (r.json?.data?.denied) throw new KitError(`the certificate signing request was denied: ${r.json.data.denied}`);
    return r.json?.data?.certificate as string | undefined;
  });
  const clusterName = 'kubernetes';
  put(`${PKI}/ca.crt`, ca, 0o644);
  put(`${K}/kubelet.conf`, kubeconfigFor(clusterName, server, { certPem: ca, keyPem: '' }, { certPem, keyPem }));
  put('/var/lib/kubelet/config.yaml', kubeletConfigYaml(), 0o644);
  const ip = j.nodeIp ?? guestIp();
  put('/var/lib/kubelet/kubeadm-flags.env', `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --node-ip=${ip}"\n`, 0o644);
  put(KUBELET_JSON, JSON.stringify({ nodeName: j.nodeName, ip, version: `v${packageVersion('kubelet') ?? '1.31.9'}`, cpu: cpus().length, memoryMiB: Math.floor(totalmem() / 1048576) }));
  startDaemon('kubelet', ['kubelet-daemon']);
  setUnit('kubelet', true);
  const node = { ca, cert: certPem, key: keyPem };
  await until(`the kubelet to register Node ${j.nodeName}`, 60_000, async () => ((await api(server, node, 'GET', `/api/v1/nodes/${j.nodeName}`)).status === 200 ? true : undefined));
  out(JOINED_TEXT);
  return 0;
}

async function kubeadmReset(out: (s: string) => void): Promise<number> {
  await stopDaemon('kubelet');
  await stopDaemon('kube-apiserver');
  setUnit('kubelet', false);
  for (const p of [`${K}/manifests`, PKI, KIT_STATE, '/var/lib/kubelet', '/var/lib/etcd']) rmSync(p, { recursive: true, force: true });
  for (const c of ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf', 'bootstrap-kubelet.conf']) rmSync(`${K}/${c}`, { force: true });
  mkdirSync(`${K}/manifests`, { recursive: true });
  out(RESET_TEXT);
  return 0;
}

async function kubeadmToken(args: string[], out: (s: string) => void): Promise<number> {
  if (!args.includes('create')) throw new KitError('guest kit: kubeadm token: only `create [--print-join-command] [--ttl D]` is interpreted');
  if (!existsSync(`${K}/admin.conf`)) throw new KitError(`failed to load admin kubeconfig: open ${K}/admin.conf: no such file or directory`);
  const cfg = JSON.parse(read(APISERVER_JSON)) as ApiserverConfig;
  const admin = credsOf(read(`${K}/admin.conf`));
  let token: string;
  try {
    token = await createToken(`https://${cfg.host}:${cfg.port}`, admin.creds, ttlMs(opt(args, '--ttl')));
  } catch (e) {
    throw new KitError(e instanceof KitError ? e.message : `failed to create or update bootstrap token: dial tcp ${cfg.host}:${cfg.port}: ${e instanceof Error ? e.message : e}`);
  }
  out(args.includes('--print-join-command') ? `${joinCommandLine(cfg.endpoint, token, caCertHash(read(`${PKI}/ca.crt`)))}\n` : `${token}\n`);
  return 0;
}

function opt(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, b) => a * 256 + Number(b), 0);
}
function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
const firstServiceIp = (cidr: string) => intToIp(ipToInt(cidr.split('/')[0]!) + 1);
const tenthServiceIp = (cidr: string) => intToIp(ipToInt(cidr.split('/')[0]!) + 10);

/** `kubeadm certs check-expiration`, read from the certificates init wrote (renewal is not modelled here). */
function kubeadmCerts(args: string[], out: (s: string) => void): number {
  const sub = args.filter((a) => !a.startsWith('-'))[1];
  if (sub !== 'check-expiration') throw new KitError(`guest kit: kubeadm certs ${sub ?? ''}: not interpreted (check-expiration)`);
  const notAfter = (file: string) => new Date(new X509Certificate(readFileSync(file)).validTo);
  if (!existsSync(`${PKI}/ca.crt`) || !existsSync(`${PKI}/apiserver.crt`)) throw new KitError(`open ${PKI}/ca.crt: no such file or directory`);
  out(certsCheckExpirationText(notAfter(`${PKI}/apiserver.crt`), notAfter(`${PKI}/ca.crt`)));
  return 0;
}

async function kubeadm(args: string[]): Promise<number> {
  const verb = args.filter((a) => !a.startsWith('-'))[0] ?? '';
  const out = (s: string) => process.stdout.write(s);
  if (['init', 'join', 'reset'].includes(verb)) {
    mkdirSync(GS, { recursive: true });
    appendFileSync(KUBEADM_RUNS, `${new Date().toISOString()} ${verb}\n`);
  }
  try {
    switch (verb) {
      case 'init':
        return await kubeadmInit(args, out);
      case 'join':
        return await kubeadmJoin(args, out);
      case 'reset':
        return await kubeadmReset(out);
      case 'token':
        return await kubeadmToken(args, out);
      case 'certs':
        return kubeadmCerts(args, out);
      case 'version':
        out(args.includes('short') ? `v${packageVersion('kubeadm') ?? '1.31.9'}\n` : `kubeadm version: &version.Info{GitVersion:"v${packageVersion('kubeadm') ?? '1.31.9'}"}\n`);
        return 0;
      default:
        throw new KitError(`guest kit: kubeadm ${verb}: not interpreted (init, join, reset, token create, certs check-expiration, version)`);
    }
  } catch (e) {
    if (!(e instanceof KitError)) throw e;
    process.stderr.write(`${verb === 'init' || verb === 'join' ? 'error execution phase: ' : ''}${e.message}\n${STACK_HINT}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [tool = '', ...args] = argv;
  switch (tool) {
    case 'kubeadm':
      return kubeadm(args);
    case 'apiserver-daemon':
      return apiserverDaemon();
    case 'kubelet-daemon':
      return kubeletDaemon();
    case 'kubelet':
      if (args.includes('--version')) {
        process.stdout.write(`Kubernetes v${packageVersion('kubelet') ?? '1.31.9'}\n`);
        return 0;
      }
      process.stderr.write('kubelet: in a guest-sandbox guest the kubelet is started by kubeadm init/join, not by hand\n');
      return 1;
    case 'containerd':
      if (args[0] === 'config' && args[1] === 'default') {
        process.stdout.write(CONTAINERD_DEFAULT_CONFIG);
        return 0;
      }
      if (args.includes('--version') || args[0] === '-v') {
        process.stdout.write('containerd github.com/containerd/containerd 1.7.24 guest-sandbox\n');
        return 0;
      }
      process.stderr.write('containerd: runs as a service here (systemctl restart containerd records it)\n');
      return 1;
    case 'crictl':
      if (args.includes('--version')) process.stdout.write('crictl version v1.31.1\n');
      else if (args[0] === 'ps') process.stdout.write('CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD\n');
      else if (args[0] === 'pods') process.stdout.write('POD ID              CREATED             STATE               NAME                NAMESPACE           ATTEMPT             RUNTIME\n');
      else if (args[0] === 'info') process.stdout.write('{"status":{"conditions":[{"type":"RuntimeReady","status":true},{"type":"NetworkReady","status":true}]}}\n');
      return unitActive('containerd') ? 0 : 1;
    default:
      process.stderr.write(`guest kit: unknown tool "${tool}" (kubeadm, kubelet, containerd, crictl)\n`);
      return 64;
  }
}
