// The reasons the Cluster domain modules produce must be in the closed vocabulary that
// crds/cluster.yaml documents per condition (what `hostplane explain` prints).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLUSTER_CONDITION_REASONS } from './conditions.js';
import { INIT_REASONS, INIT_STALLED_REASONS } from './init-state.js';

const crd = parse(readFileSync(fileURLToPath(new URL('../../../crds/cluster.yaml', import.meta.url)), 'utf8'));
const text: string = crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.conditions.description;
const vocabulary = (type: string) => (new RegExp(`^- ${type}: .*Reasons: ([^\\n]*)\\.$`, 'm').exec(text)?.[1] ?? '').replace(/\s*\([^)]*\)/g, '').split(', ');

describe('Cluster condition vocabulary', () => {
  it.each([
    ['ControlPlaneInitialized', INIT_REASONS],
    ['Stalled', INIT_STALLED_REASONS],
    ['Stalled', ['UpgradeRefused']],
    ['WorkersJoined', ['WaitingForVMs', 'Draining', 'Joining']],
    ['Ready', ['Upgrading', 'Stopping', 'Starting', 'StoppedAsDesired']],
    ['NodeAddressesStable', ['Stable', 'NodeAddressChanged', 'RepairingAddress']],
  ])('%s lists %o', (type, reasons) => {
    for (const r of reasons) expect(vocabulary(type)).toContain(r);
  });

  it.each(Object.entries(CLUSTER_CONDITION_REASONS))('%s: the module and the CRD list the same reasons (one vocabulary)', (type, reasons) => {
    expect([...reasons].sort()).toEqual(vocabulary(type).sort());
  });

  it.each(['InvalidReference', 'DependencyCycle'])('Ready and Stalled may carry %s (the reference check on load)', (reason) => {
    expect(CLUSTER_CONDITION_REASONS.Ready).toContain(reason);
    expect(CLUSTER_CONDITION_REASONS.Stalled).toContain(reason);
  });
});
