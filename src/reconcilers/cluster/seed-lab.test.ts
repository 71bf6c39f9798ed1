// The example lab's four clusters (specs/clusters/ on the VMs of specs/vms/) validate cleanly and
// render their kubeadm configuration and Cilium values.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ciliumValues } from './cilium-values.js';
import { buildKubeadmDocuments } from './kubeadm-config.js';
import { withClusterDefaults, type ClusterSpec } from './spec-types.js';
import { validateCluster } from './validate.js';

const load = (sub: string) => {
  const dir = fileURLToPath(new URL(`../../../specs/${sub}/`, import.meta.url));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as { metadata: { name: string }; spec: Record<string, unknown> }));
};
const clusters = load('clusters').map((c) => ({ name: c.metadata.name, spec: withClusterDefaults(c.spec as unknown as ClusterSpec) }));
const vms = load('vms').map((v, i) => ({ name: v.metadata.name, ip: `127.0.${i + 10}.2` }));

describe('the example lab clusters', () => {
  it('are the seed\'s four clusters', () => {
    expect(clusters.map((c) => c.name).sort()).toEqual(['dev', 'platform', 'prod', 'staging']);
  });

  it.each(clusters.map((c) => [c.name, c] as const))('%s validates and renders', (name, c) => {
    const problems = validateCluster({ name, spec: c.spec, otherClusters: clusters.filter((o) => o.name !== name), vms, vmNetworks: [{ cidr: '192.168.64.0/24', source: 'tart shared network' }] });
    expect(problems).toEqual([]);
    const ip = vms.find((v) => v.name === c.spec.controlPlane.vm)!.ip;
    const docs = buildKubeadmDocuments({ clusterName: name, spec: c.spec, controlPlaneIp: ip, nodeName: c.spec.controlPlane.vm });
    expect(docs.init.skipPhases).toEqual(['addon/kube-proxy']);
    const values = ciliumValues({ spec: c.spec, apiServerHost: ip });
    expect(values).toMatchObject({ k8sServiceHost: ip, ipam: { operator: { clusterPoolIPv4PodCIDRList: [c.spec.network.podCIDR] } } });
  });
});
