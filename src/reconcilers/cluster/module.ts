// The Cluster kind: kubeadm clusters on the lab's VMs (reconciler.ts), and `hostplane kubeconfig NAME`.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { KindModule } from '../../controllers/kind-module.js';
import type { HostPorts } from '../../ports/index.js';
import { CLUSTER_CONDITION_REASONS } from './conditions.js';
import { createClusterReconciler, type ClusterOptions } from './reconciler.js';
import { kubeconfigPathOf } from './records.js';

export const clusterModule: KindModule<HostPorts> = {
  kind: 'Cluster',
  shortNames: ['cl'],
  crdFile: 'cluster.yaml',
  deletionWaitsForReferrers: true,
  references: [
    { path: 'spec.controlPlane.vm', kind: 'VirtualMachine' },
    { path: 'spec.workers[].vm', kind: 'VirtualMachine' },
  ],
  conditions: CLUSTER_CONDITION_REASONS,
  // Clusters come up in parallel: each reconcile mostly waits on guests and the API.
  workers: () => 4,
  createReconciler: (rt, ports, options) => createClusterReconciler(rt, ports, (options ?? {}) as ClusterOptions),
  commands: (ctx) => [
    new Command('kubeconfig')
      .description("Print the path of a cluster's kubeconfig (--raw: its content)")
      .argument('<name>', 'Cluster name')
      .option('--raw', 'print the kubeconfig itself')
      .action(async (name: string, opts: { raw?: boolean }) => {
        const code = (c: number) => (ctx.setCode ? ctx.setCode(c) : (process.exitCode = c));
        // An unknown name is NotFound (exit 4, get's message), as for every other verb.
        if (ctx.lookup && !(await ctx.lookup('Cluster', name))) return;
        const file = kubeconfigPathOf(ctx.dirs().state, name);
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          ctx.err(`error: Cluster ${name} has no kubeconfig yet (${file}); see \`hostplane get cluster ${name}\``);
          code(1);
          return;
        }
        // out() ends the line itself.
        ctx.out(opts.raw ? text.replace(/\n$/, '') : file);
        code(0);
      }),
  ],
};
