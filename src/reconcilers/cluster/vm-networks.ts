// The network each VM provider puts VMs on, for the CIDR checks of validate.ts: a pod or service
// CIDR overlapping it would cut the nodes off their own network.
export function vmNetworksFor(provider: string): Array<{ cidr: string; source: string }> {
  if (provider === 'sim') return [{ cidr: '127.64.0.0/16', source: 'sim host VM network' }];
  if (provider === 'tart') return [{ cidr: '192.168.64.0/24', source: 'tart shared network' }];
  if (provider === 'qemu') return [{ cidr: '10.0.2.0/24', source: 'QEMU user-mode network' }];
  return [];
}
