// spec.powerState as ordered steps (issue 10 item 8, the seed's shutdown.sh and boot.sh as state).
// Stopped: cordon and drain every worker, stop the worker VMs, then the control plane.
// Running: start the control plane, wait for /readyz, start the workers, wait for their nodes,
// uncordon only what a power-off cordoned (annotation), then health-check.
// The plan is recomputed from what is observed each time, so steps already done drop out and a
// restart mid-way continues where it stopped.

export const POWER_CORDON_ANNOTATION = 'hostplane.dev/cordoned-for-power-off';

export type PowerStep =
  | { action: 'cordon'; node: string }
  | { action: 'drain'; node: string }
  | { action: 'stopVm'; vm: string }
  | { action: 'startVm'; vm: string }
  | { action: 'waitForApiServer' }
  | { action: 'waitForNodeReady'; node: string }
  | { action: 'uncordon'; node: string }
  | { action: 'healthCheck' };

export interface PowerFacts {
  controlPlaneVm: string;
  workerVms: readonly string[];
  /** VMs running now. */
  runningVms: ReadonlySet<string>;
  /** Nodes marked unschedulable. */
  cordoned: ReadonlySet<string>;
  /** Nodes carrying POWER_CORDON_ANNOTATION (cordoned by a power-off). */
  cordonedForPower: ReadonlySet<string>;
  /** Workers already drained during this power-off (recorded by the runtime). */
  drained: ReadonlySet<string>;
  readyNodes: ReadonlySet<string>;
  apiReady: boolean;
}

export function planPowerOff(f: PowerFacts): PowerStep[] {
  const steps: PowerStep[] = [];
  const running = f.workerVms.filter((w) => f.runningVms.has(w));
  for (const w of running) {
    if (!f.cordoned.has(w)) steps.push({ action: 'cordon', node: w });
    if (!f.drained.has(w)) steps.push({ action: 'drain', node: w });
  }
  for (const w of running) steps.push({ action: 'stopVm', vm: w });
  if (f.runningVms.has(f.controlPlaneVm)) steps.push({ action: 'stopVm', vm: f.controlPlaneVm });
  return steps;
}

export function planPowerOn(f: PowerFacts): PowerStep[] {
  const steps: PowerStep[] = [];
  if (!f.runningVms.has(f.controlPlaneVm)) steps.push({ action: 'startVm', vm: f.controlPlaneVm });
  if (!f.apiReady) steps.push({ action: 'waitForApiServer' });
  for (const w of f.workerVms) if (!f.runningVms.has(w)) steps.push({ action: 'startVm', vm: w });
  for (const w of f.workerVms) if (!f.readyNodes.has(w)) steps.push({ action: 'waitForNodeReady', node: w });
  for (const w of f.workerVms) if (f.cordonedForPower.has(w)) steps.push({ action: 'uncordon', node: w });
  if (steps.length > 0) steps.push({ action: 'healthCheck' });
  return steps;
}

export function planPower(desired: 'Running' | 'Stopped', f: PowerFacts): PowerStep[] {
  return desired === 'Stopped' ? planPowerOff(f) : planPowerOn(f);
}
