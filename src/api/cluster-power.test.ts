import { describe, expect, it } from 'vitest';
import type { HostObject } from './types.js';
import { clusterStoppedMessage } from './cluster-power.js';

const cluster = (spec: Record<string, unknown>, status: Record<string, unknown>): HostObject =>
  ({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'dev', generation: 2 }, spec, status }) as unknown as HostObject;
const ready = (reason: string) => [{ type: 'Ready', status: 'True', reason, message: '', lastTransitionTime: '', observedGeneration: 2 }];

describe('a stopped Cluster is not usable although Ready', () => {
  it.each([
    ['running cluster: usable', { powerState: 'Running' }, { phase: 'Running', conditions: ready('Available') }, undefined],
    ['stopped as asked (Ready=True StoppedAsDesired)', { powerState: 'Stopped' }, { phase: 'Stopped', conditions: ready('StoppedAsDesired') }, 'Cluster dev is stopped (spec.powerState: Stopped); start it with `hostplane start cluster/dev`'],
    ['stop asked, status not caught up yet', { powerState: 'Stopped' }, { phase: 'Running', conditions: ready('Available') }, 'Cluster dev is stopped (spec.powerState: Stopped); start it with `hostplane start cluster/dev`'],
    ['start asked, status still Stopped', { powerState: 'Running' }, { phase: 'Stopped', conditions: ready('StoppedAsDesired') }, 'Cluster dev is stopped and starting again (spec.powerState: Running); waiting for it to run'],
  ] as const)('%s', (_n, spec, status, msg) => {
    expect(clusterStoppedMessage(cluster(spec, status), 'dev')).toBe(msg);
  });
});
