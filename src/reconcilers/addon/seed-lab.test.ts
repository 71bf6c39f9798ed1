// The example lab's Addons (specs/addons/) order without cycles, their values files parse and
// compose, and every dependsOn names an Addon that exists.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { installOrder, missingDependencies } from './dependency-order.js';
import { withAddonDefaults, type AddonSpec } from './spec-types.js';
import { composeValues, configDigest, parseValuesFile } from './values.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const addons = readdirSync(join(root, 'specs/addons'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(root, 'specs/addons', f), 'utf8')).map((d) => d.toJS() as { metadata: { name: string }; spec: AddonSpec }));

describe('the example lab add-ons', () => {
  it('order without cycles and every dependency exists', () => {
    const nodes = addons.map((a) => ({ name: a.metadata.name, dependsOn: a.spec.dependsOn ?? [] }));
    expect(missingDependencies(nodes)).toEqual([]);
    const r = installOrder(nodes);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.order.indexOf('platform-local-path-provisioner')).toBeLessThan(r.order.indexOf('platform-jenkins'));
  });

  it.each(addons.filter((a) => a.spec.helm).map((a) => [a.metadata.name, a] as const))('%s composes its values into a digest', (_name, a) => {
    const spec = withAddonDefaults(a.spec as never);
    const files = (spec.valuesFiles ?? []).map((f, i) => parseValuesFile(`spec.valuesFiles[${i}]`, f, readFileSync(join(root, f), 'utf8')));
    const values = composeValues({ files, inline: spec.values });
    expect(configDigest(values)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
