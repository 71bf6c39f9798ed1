import { describe, expect, it } from 'vitest';
import { planPower, type PowerFacts } from './power-plan.js';

const all = new Set(['cp', 'w1', 'w2']);
const up: PowerFacts = { controlPlaneVm: 'cp', workerVms: ['w1', 'w2'], runningVms: all, cordoned: new Set(), cordonedForPower: new Set(), drained: new Set(), readyNodes: all, apiReady: true };
const down: PowerFacts = { ...up, runningVms: new Set(), readyNodes: new Set(), apiReady: false, cordoned: new Set(['w1', 'w2']), cordonedForPower: new Set(['w1', 'w2']), drained: new Set(['w1', 'w2']) };
const fmt = (s: { action: string; node?: string; vm?: string }) => `${s.action}${s.node ?? s.vm ? ` ${s.node ?? s.vm}` : ''}`;

describe('power plans', () => {
  it.each([
    ['stop from running: drain workers, stop workers, then the control plane', 'Stopped', up, ['cordon w1', 'drain w1', 'cordon w2', 'drain w2', 'stopVm w1', 'stopVm w2', 'stopVm cp']],
    ['stop resumed after w1 was drained and stopped', 'Stopped', { ...up, runningVms: new Set(['cp', 'w2']), cordoned: new Set(['w1']), drained: new Set(['w1']) }, ['cordon w2', 'drain w2', 'stopVm w2', 'stopVm cp']],
    ['stopped already: nothing', 'Stopped', down, []],
    ['start from stopped: control plane first, API, workers, nodes, uncordon, check', 'Running', down, ['startVm cp', 'waitForApiServer', 'startVm w1', 'startVm w2', 'waitForNodeReady w1', 'waitForNodeReady w2', 'uncordon w1', 'uncordon w2', 'healthCheck']],
    ['start never uncordons a node a person cordoned', 'Running', { ...up, cordoned: new Set(['w1', 'w2']), cordonedForPower: new Set(['w2']) }, ['uncordon w2', 'healthCheck']],
    ['running and healthy: nothing', 'Running', up, []],
  ] as const)('%s', (_n, desired, facts, want) => {
    expect(planPower(desired, facts).map(fmt)).toEqual(want);
  });
});
