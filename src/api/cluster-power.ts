// A stopped Cluster is Ready=True (reason StoppedAsDesired, phase Stopped): it is as its spec asks.
// Objects that work inside the cluster (LoadTests, Addons) must not take that Ready as "usable":
// its API server does not answer. They wait and say why, with what to do.
import { getCondition } from './conditions.js';
import type { HostObject } from './types.js';

/** Why `cluster` cannot be used while it is stopped (or still coming back from a stop), or undefined. */
export function clusterStoppedMessage(cluster: HostObject | undefined, name: string): string | undefined {
  if (!cluster) return undefined;
  const powerState = (cluster.spec as { powerState?: string } | undefined)?.powerState;
  if (powerState === 'Stopped') return `Cluster ${name} is stopped (spec.powerState: Stopped); start it with \`hostplane start cluster/${name}\``;
  const ready = getCondition(cluster.status?.conditions, 'Ready');
  if (cluster.status?.phase === 'Stopped' || ready?.reason === 'StoppedAsDesired') return `Cluster ${name} is stopped and starting again (spec.powerState: Running); waiting for it to run`;
  return undefined;
}
