import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeconfigError, kubeconfigContexts, kubeconfigServer, mergeKubeconfig, removeKubeconfigContext, rewriteAdminKubeconfig } from './kubeconfig.js';

// Shaped like kubeadm's /etc/kubernetes/admin.conf (data shortened).
const adminConf = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: https://192.168.64.5:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: S0VZCg==
`;

const userConfig = `# my clusters
apiVersion: v1
kind: Config
clusters:
  - name: work # the office cluster
    cluster: {server: "https://work.example:443"}
users:
  - name: work
    user: {token: abc}
contexts:
  - name: work
    context: {cluster: work, user: work}
current-context: work
`;

describe('kubeconfig', () => {
  const ours = rewriteAdminKubeconfig(adminConf, 'https://127.0.10.2:6443', 'hostplane-dev');

  it('rewrites the server and renames cluster, user and context to the context name', () => {
    const kc = parse(ours);
    expect(kubeconfigServer(ours)).toBe('https://127.0.10.2:6443');
    expect(kc.clusters[0]).toEqual({ name: 'hostplane-dev', cluster: { 'certificate-authority-data': 'Q0EK', server: 'https://127.0.10.2:6443' } });
    expect(kc.users[0]).toEqual({ name: 'hostplane-dev', user: { 'client-certificate-data': 'Q0VSVAo=', 'client-key-data': 'S0VZCg==' } });
    expect(kc['current-context']).toBe('hostplane-dev');
  });

  it.each(['http://x:6443', 'https://a b', 'https://x:6443/$(id)'])('refuses server %s', (s) => {
    expect(() => rewriteAdminKubeconfig(adminConf, s, 'c')).toThrow(KubeconfigError);
  });

  it('merges into the user config keeping their contexts, comments and current-context', () => {
    const merged = mergeKubeconfig(userConfig, ours, 'hostplane-dev');
    expect(kubeconfigContexts(merged)).toEqual(['work', 'hostplane-dev']);
    expect(merged).toContain('# my clusters');
    expect(merged).toContain('# the office cluster');
    expect(parse(merged)['current-context']).toBe('work');
  });

  it('merging twice replaces the entry instead of duplicating it', () => {
    const again = rewriteAdminKubeconfig(adminConf, 'https://127.0.10.9:6443', 'hostplane-dev');
    const merged = mergeKubeconfig(mergeKubeconfig(userConfig, ours, 'hostplane-dev'), again, 'hostplane-dev');
    const kc = parse(merged);
    expect(kc.clusters.filter((c: { name: string }) => c.name === 'hostplane-dev')).toHaveLength(1);
    expect(kc.clusters.find((c: { name: string }) => c.name === 'hostplane-dev').cluster.server).toBe('https://127.0.10.9:6443');
  });

  it('creates a config when there is none and makes ours current', () => {
    const merged = mergeKubeconfig('', ours, 'hostplane-dev');
    expect(parse(merged)).toMatchObject({ kind: 'Config', 'current-context': 'hostplane-dev' });
    expect(kubeconfigContexts(merged)).toEqual(['hostplane-dev']);
  });

  it('two clusters side by side do not collide', () => {
    const staging = rewriteAdminKubeconfig(adminConf, 'https://127.0.30.2:6443', 'hostplane-staging');
    const merged = mergeKubeconfig(mergeKubeconfig(userConfig, ours, 'hostplane-dev'), staging, 'hostplane-staging');
    expect(kubeconfigContexts(merged)).toEqual(['work', 'hostplane-dev', 'hostplane-staging']);
    expect(parse(merged).users.map((u: { name: string }) => u.name)).toEqual(['work', 'hostplane-dev', 'hostplane-staging']);
  });

  it('removes only our entries and clears current-context if it was ours', () => {
    const merged = mergeKubeconfig('', ours, 'hostplane-dev');
    const withWork = mergeKubeconfig(userConfig, ours, 'hostplane-dev');
    expect(kubeconfigContexts(removeKubeconfigContext(withWork, 'hostplane-dev'))).toEqual(['work']);
    expect(parse(removeKubeconfigContext(withWork, 'hostplane-dev'))['current-context']).toBe('work');
    expect(parse(removeKubeconfigContext(merged, 'hostplane-dev'))['current-context']).toBe('');
    expect(removeKubeconfigContext(withWork, 'hostplane-dev')).toContain('# the office cluster');
  });

  it('leaves a broken user config alone with an error', () => {
    expect(() => mergeKubeconfig('clusters: [unclosed', ours, 'hostplane-dev')).toThrow(/left unchanged/);
  });
});
