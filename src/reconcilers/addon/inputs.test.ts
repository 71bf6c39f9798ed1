import { describe, expect, it } from 'vitest';
import type { HostObject } from '../../api/types.js';
import { clusterKubeconfig } from './inputs.js';

const cluster = (powerState: string, phase: string, reason: string): HostObject =>
  ({
    apiVersion: 'hostplane.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'dev', generation: 3 }, spec: { powerState },
    status: { phase, kubeconfigPath: '/lab/.hostplane/dev.kubeconfig', observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True', reason, message: 'x', lastTransitionTime: '', observedGeneration: 3 }] },
  }) as unknown as HostObject;

describe('the Cluster an Addon goes into', () => {
  it.each([
    ['a running Ready cluster gives its kubeconfig', cluster('Running', 'Running', 'Available'), { kubeconfig: '/lab/.hostplane/dev.kubeconfig' }],
    ['a stopped cluster (Ready=True StoppedAsDesired): the Addon waits and says how to start it', cluster('Stopped', 'Stopped', 'StoppedAsDesired'), { reason: 'DependencyNotReady', message: 'Cluster dev is stopped (spec.powerState: Stopped); start it with `hostplane start cluster/dev`' }],
    ['a cluster asked to start but still stopped: the Addon waits', cluster('Running', 'Stopped', 'StoppedAsDesired'), { reason: 'DependencyNotReady', message: expect.stringMatching(/^Cluster dev is stopped and starting again/) }],
  ] as const)('%s', (_n, c, want) => {
    expect(clusterKubeconfig(c, 'dev')).toEqual(want);
  });
});
