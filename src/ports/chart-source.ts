// The chart source port: turns a chart reference from a spec into a local chart archive that the
// helm port can install, and a manifest URL into local text. Real hosts pull into a
// content-addressed cache (works offline once pulled); the sim host serves its stand-in charts.

export interface ChartRequest {
  /** `https://…` chart repository or `oci://registry/path` (the chart name is appended for OCI). */
  repo: string;
  chart: string;
  /** An exact version. */
  version: string;
}

export interface ResolvedChart {
  /** Local .tgz the helm CLI can install. */
  path: string;
  /** `sha256:<hex>` of that archive. */
  digest: string;
  /** The chart's version from its Chart.yaml. */
  version: string;
  name: string;
  appVersion?: string;
  /** For OCI: the registry manifest digest when known. */
  ociDigest?: string;
  /** True when served from the cache without contacting the repository. */
  cached: boolean;
}

export interface ResolvedManifest {
  url: string;
  /** Local file with the manifest text. */
  path: string;
  digest: string;
  cached: boolean;
}

export type ChartSourceErrorKind = 'ChartNotFound' | 'VersionNotFound' | 'RepoUnreachable' | 'InvalidRef' | 'Unknown';

export class ChartSourceError extends Error {
  constructor(
    readonly kind: ChartSourceErrorKind,
    message: string,
    /** What was asked, for the condition message. */
    readonly ref: string,
  ) {
    super(message);
    this.name = 'ChartSourceError';
  }
}

export interface ChartSourcePort {
  resolve(req: ChartRequest, opts?: { signal?: AbortSignal }): Promise<ResolvedChart>;
  /** A plain manifest given by URL (e.g. local-path-provisioner's deploy YAML). */
  fetchManifest(url: string, opts?: { signal?: AbortSignal }): Promise<ResolvedManifest>;
}
