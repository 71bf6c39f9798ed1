import { describe, expect, it } from 'vitest';
import { checkPreconditions, type DeploymentFacts, type PreconditionFacts } from './preconditions.js';

const active = { name: 'nginx-web', conditions: [{ type: 'AbleToScale', status: 'True' }, { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' }] };
const nginx: DeploymentFacts = { ref: 'demo/nginx-web', exists: true, cpuRequested: true, hpa: active };
const base: PreconditionFacts = { type: 'scaling', clusterReady: true, clusterName: 'dev', addonsNotReady: [], metricsApiAvailable: true, deployments: [nginx] };

describe('run preconditions', () => {
  it.each([
    ['everything holds', {}, true, 'Ready', /metrics API and HPAs are ready/],
    ['cluster not Ready', { clusterReady: false }, false, 'DependencyNotReady', /Cluster dev is not Ready/],
    ['cluster stopped (Ready=True StoppedAsDesired): not usable, says how to start it', { clusterStopped: 'Cluster dev is stopped (spec.powerState: Stopped); start it with `hostplane start cluster/dev`' }, false, 'DependencyNotReady', /^Cluster dev is stopped \(spec.powerState: Stopped\); start it with `hostplane start cluster\/dev`$/],
    ['an Addon not Ready', { addonsNotReady: ['dev-metrics-server'] }, false, 'DependencyNotReady', /dev-metrics-server/],
    ['no metrics API', { metricsApiAvailable: false }, false, 'MetricsUnavailable', /metrics-server/],
    ['a missing target', { deployments: [{ ...nginx, exists: false }] }, false, 'InvalidSpec', /demo\/nginx-web .* does not exist/],
    ['pods without CPU requests', { deployments: [{ ...nginx, cpuRequested: false }] }, false, 'HPANotActive', /resources\.requests\.cpu/],
    ['no HPA', { deployments: [{ ...nginx, hpa: undefined }] }, false, 'HPANotActive', /No HorizontalPodAutoscaler/],
    ['HPA failing to get metrics', { deployments: [{ ...nginx, hpa: { name: 'nginx-web', conditions: [{ type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: 'missing request for cpu' }] } }] }, false, 'HPANotActive', /FailedGetResourceMetric: missing request for cpu/],
    ['HPA without conditions yet', { deployments: [{ ...nginx, hpa: { name: 'nginx-web', conditions: [] } }] }, false, 'HPANotActive', /no conditions yet/],
    ['http tests skip the HPA checks', { type: 'http', metricsApiAvailable: false, deployments: [] }, true, 'Ready', /dependencies are Ready/],
  ] as const)('%s', (_n, over, ready, reason, msg) => {
    const r = checkPreconditions({ ...base, ...(over as Partial<PreconditionFacts>) });
    expect([r.ready, r.reason]).toEqual([ready, reason]);
    expect(r.message).toMatch(msg);
  });
});
