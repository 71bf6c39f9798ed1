// The kubeconfig a simulated cluster hands its clients (kubectl, helm, client-node).
import YAML from 'yaml';
import type { ClusterPki } from './server/pki.js';

export interface KubeconfigOptions {
  cluster: string;
  server: string;
  pki: ClusterPki;
  /** 'token' (default): bearer token; 'cert': the admin client certificate. */
  auth?: 'token' | 'cert';
  token: string;
  namespace?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function kubeconfigYaml(o: KubeconfigOptions): string {
  const user = `${o.cluster}-admin`;
  const creds = o.auth === 'cert' ? { 'client-certificate-data': b64(o.pki.admin.certPem), 'client-key-data': b64(o.pki.admin.keyPem) } : { token: o.token };
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: o.cluster, cluster: { server: o.server, 'certificate-authority-data': b64(o.pki.ca.certPem) } }],
    users: [{ name: user, user: creds }],
    contexts: [{ name: o.cluster, context: { cluster: o.cluster, user, ...(o.namespace ? { namespace: o.namespace } : {}) } }],
    'current-context': o.cluster,
    preferences: {},
  });
}
