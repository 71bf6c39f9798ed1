// The sim host's chart library: which stand-in chart answers which chart reference, and which
// local file answers which manifest URL. The charts live next to this file (src/sim/charts/<name>/).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StandInChart {
  /** Repository the real chart comes from (as the example lab spells it). */
  repo: string;
  chart: string;
  version: string;
  /** Directory name under the library root. */
  dir: string;
}

export const STAND_IN_CHARTS: readonly StandInChart[] = [
  { repo: 'https://helm.cilium.io/', chart: 'cilium', version: '1.16.5', dir: 'cilium' },
  { repo: 'https://kubernetes-sigs.github.io/metrics-server/', chart: 'metrics-server', version: '3.12.2', dir: 'metrics-server' },
  { repo: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '66.3.1', dir: 'kube-prometheus-stack' },
  { repo: 'https://grafana.github.io/helm-charts', chart: 'loki-stack', version: '2.10.2', dir: 'loki-stack' },
  { repo: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '7.7.11', dir: 'argo-cd' },
  { repo: 'https://charts.jenkins.io', chart: 'jenkins', version: '5.7.15', dir: 'jenkins' },
  { repo: 'https://istio-release.storage.googleapis.com/charts', chart: 'base', version: '1.24.2', dir: 'base' },
  { repo: 'https://istio-release.storage.googleapis.com/charts', chart: 'istiod', version: '1.24.2', dir: 'istiod' },
  { repo: 'https://istio-release.storage.googleapis.com/charts', chart: 'gateway', version: '1.24.2', dir: 'gateway' },
];

export const STAND_IN_MANIFESTS: Readonly<Record<string, string>> = {
  'https://raw.githubusercontent.com/rancher/local-path-provisioner/v0.0.28/deploy/local-path-storage.yaml': 'manifests/local-path-storage-v0.0.28.yaml',
};

/**
 * The library's root directory. From source (tsx, vitest) it is this file's folder; from the
 * compiled dist/ it is the package's src/sim/charts (tsc copies no YAML).
 */
export function libraryRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (existsSync(path.join(here, 'cilium', 'Chart.yaml'))) return here;
  let dir = here;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'src', 'sim', 'charts');
    if (existsSync(path.join(candidate, 'cilium', 'Chart.yaml'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`stand-in chart library not found near ${here} (expected src/sim/charts/<chart>/Chart.yaml in the hostplane package)`);
}

export function normalizeRepo(repo: string): string {
  return repo.trim().replace(/\/+$/, '').toLowerCase();
}
