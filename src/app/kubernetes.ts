// Builds the Kubernetes-facing ports: client-node for cluster APIs, the helm CLI (resolved on first
// use: flag/HOSTPLANE_HELM, PATH, then the bundled binary), and the chart source — the helm-pull
// cache in the state dir on a real host, the stand-in chart library on the sim host (the real helm
// still installs what it returns).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HelmPullChartSource } from '../adapters/chart-source/helm-pull.js';
import { createHelmCli } from '../adapters/helm/helm-cli.js';
import { ClientNodeKube } from '../adapters/kube/client-node.js';
import { resolveTool } from '../adapters/tools/resolve.js';
import type { HelmPort } from '../ports/helm.js';
import type { KubernetesPorts } from '../ports/index.js';
import type { ChartSourcePort } from '../ports/chart-source.js';
import { SimChartSource } from '../sim/charts/sim-chart-source.js';

export interface KubernetesPortsOptions {
  /** The state directory's root: charts are cached in `<root>/charts`, helm's home in `<root>/helm`. */
  stateRoot: string;
  /** The sim host: charts come from the stand-in library. */
  sim: boolean;
  /** An explicit helm binary (a flag); otherwise HOSTPLANE_HELM, PATH, then the bundle. */
  helmBinary?: string;
  /** Which helm major to prefer from the bundles (3 or 4) when none is given explicitly. */
  helmMajor?: 3 | 4;
  env?: NodeJS.ProcessEnv;
}

export function createKubernetesPorts(opts: KubernetesPortsOptions): KubernetesPorts {
  let helm: Promise<HelmPort> | undefined;
  const helmPort = (): Promise<HelmPort> => {
    helm ??= (async () => {
      const tool = await resolveTool('helm', { explicit: opts.helmBinary, env: opts.env, ...(opts.helmMajor ? { want: opts.helmMajor } : {}) });
      mkdirSync(join(opts.stateRoot, 'helm'), { recursive: true, mode: 0o700 }); // values files are written there before the first helm call
      return createHelmCli({ binary: tool.path, version: tool.version.version, helmHome: join(opts.stateRoot, 'helm'), tmpDir: join(opts.stateRoot, 'helm') });
    })();
    // A failed resolution is not cached: installing helm later must work without a restart.
    helm.catch(() => (helm = undefined));
    return helm;
  };
  const cacheDir = join(opts.stateRoot, 'charts');
  let charts: ChartSourcePort;
  if (opts.sim) charts = new SimChartSource({ cacheDir });
  else {
    // helm pull needs the binary: resolve it lazily through the same port.
    let pull: HelmPullChartSource | undefined;
    const real = async () => (pull ??= new HelmPullChartSource({ helm: (await resolveTool('helm', { explicit: opts.helmBinary, env: opts.env })).path, cacheDir }));
    charts = {
      resolve: async (req, o) => (await real()).resolve(req, o),
      fetchManifest: async (url, o) => (await real()).fetchManifest(url, o),
    };
  }
  return { kube: (kubeconfig) => new ClientNodeKube({ kubeconfig }), helm: helmPort, charts };
}
