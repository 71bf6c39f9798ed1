import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ADDON_SPEC_FIELDS, releaseNameOf, withAddonDefaults } from './spec-types.js';

const crd = parse(readFileSync(fileURLToPath(new URL('../../../crds/addon.yaml', import.meta.url)), 'utf8'));
const p = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;

describe('Addon spec types', () => {
  it('name exactly the spec fields the CRD declares', () => {
    expect([...ADDON_SPEC_FIELDS].sort()).toEqual(Object.keys(p).sort());
  });

  it('fill the same defaults as the CRD', () => {
    const s = withAddonDefaults({ cluster: 'dev' });
    expect(s.timeout).toBe(p.timeout.default);
    expect(s.maxHistory).toBe(p.maxHistory.default);
    expect(s.install.crds).toBe(p.install.properties.crds.default);
    expect(s.upgrade.crds).toBe(p.upgrade.properties.crds.default);
    expect(s.upgrade.remediation.strategy).toBe(p.upgrade.properties.remediation.properties.strategy.default);
    expect(s.install.strategy.name).toBe(p.install.properties.strategy.properties.name.default);
    expect(s.adopt).toBe(p.adopt.default);
  });

  it('release name defaults to the Addon name', () => {
    expect(releaseNameOf('dev-istiod', withAddonDefaults({ cluster: 'dev', helm: { chart: 'istiod' } }))).toBe('dev-istiod');
    expect(releaseNameOf('dev-istio-base', withAddonDefaults({ cluster: 'dev', helm: { chart: 'base', releaseName: 'istio-base' } }))).toBe('istio-base');
  });
});
