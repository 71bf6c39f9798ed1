import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLUSTER_SPEC_FIELDS, withClusterDefaults } from './spec-types.js';

const crd = parse(readFileSync(fileURLToPath(new URL('../../../crds/cluster.yaml', import.meta.url)), 'utf8'));
const specSchema = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;

describe('Cluster spec types', () => {
  it('name exactly the spec fields the CRD declares', () => {
    expect([...CLUSTER_SPEC_FIELDS].sort()).toEqual(Object.keys(specSchema.properties).sort());
  });

  it('fill the same defaults as the CRD', () => {
    const s = withClusterDefaults({ kubernetesVersion: '1.31', controlPlane: { vm: 'cp' } });
    const p = specSchema.properties;
    expect(s.network.podCIDR).toBe(p.network.properties.podCIDR.default);
    expect(s.network.serviceCIDR).toBe(p.network.properties.serviceCIDR.default);
    expect(s.network.dnsDomain).toBe(p.network.properties.dnsDomain.default);
    expect(s.controlPlaneEndpoint.port).toBe(p.controlPlaneEndpoint.properties.port.default);
    expect(s.cni.cilium.version).toBe(p.cni.properties.cilium.properties.version.default);
    expect(s.cni.cilium.ipamMode).toBe(p.cni.properties.cilium.properties.ipamMode.default);
    expect(s.powerState).toBe(p.powerState.default);
    expect(s.certificates.renewBefore).toBe(p.certificates.properties.renewBefore.default);
  });
});
