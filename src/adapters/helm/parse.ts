// helm's JSON outputs → the port's types. Field names follow helm's JSON (snake_case); both majors
// print the same shapes for what we read (helm 4 adds apply_method and rollback_revision).
import type { HistoryEntry, ListEntry, Release, ReleaseStatus, Values } from '../../ports/helm.js';

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function parseJson(stdout: string, what: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`helm ${what} printed no JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
}

export function parseRelease(raw: unknown): Release {
  const r = obj(raw);
  const info = obj(r.info);
  const chartMeta = obj(obj(r.chart).metadata);
  const release: Release = {
    name: String(r.name ?? ''),
    namespace: String(r.namespace ?? ''),
    version: Number(r.version ?? 0),
    info: {
      status: (str(info.status) ?? 'unknown') as ReleaseStatus,
      firstDeployed: str(info.first_deployed),
      lastDeployed: str(info.last_deployed),
      deleted: str(info.deleted) || undefined,
      description: str(info.description),
      notes: str(info.notes),
    },
  };
  if (r.config && typeof r.config === 'object') release.config = r.config as Values;
  if (typeof r.manifest === 'string') release.manifest = r.manifest;
  if (chartMeta.name) release.chart = { name: String(chartMeta.name), version: String(chartMeta.version ?? ''), appVersion: str(chartMeta.appVersion) };
  if (Array.isArray(r.hooks)) {
    release.hooks = r.hooks.map((h) => {
      const hook = obj(h);
      const last = obj(hook.last_run);
      return {
        name: String(hook.name ?? ''),
        kind: String(hook.kind ?? ''),
        events: Array.isArray(hook.events) ? hook.events.map(String) : undefined,
        lastRun: hook.last_run ? { phase: str(last.phase), startedAt: str(last.started_at), completedAt: str(last.completed_at) } : undefined,
      };
    });
  }
  if (typeof r.apply_method === 'string') release.applyMethod = r.apply_method;
  return release;
}

export function parseHistory(raw: unknown): HistoryEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((e) => {
    const h = obj(e);
    return {
      revision: Number(h.revision),
      updated: String(h.updated ?? ''),
      status: String(h.status ?? 'unknown') as ReleaseStatus,
      chart: String(h.chart ?? ''),
      appVersion: String(h.app_version ?? ''),
      description: String(h.description ?? ''),
    };
  });
}

export function parseList(raw: unknown): ListEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((e) => {
    const l = obj(e);
    return {
      name: String(l.name ?? ''),
      namespace: String(l.namespace ?? ''),
      // helm list prints the revision as a string.
      revision: Number(l.revision),
      updated: String(l.updated ?? ''),
      status: String(l.status ?? 'unknown') as ReleaseStatus,
      chart: String(l.chart ?? ''),
      appVersion: String(l.app_version ?? ''),
    };
  });
}

/** "cilium-1.16.5" → {name: "cilium", version: "1.16.5"}; "x-y-1.0.0-rc.1" → {name: "x-y", version: "1.0.0-rc.1"}. */
export function splitChart(chart: string): { name: string; version: string } {
  const semver = /^(.*?)-(v?\d+\.\d+\.\d+(?:[-+].*)?)$/.exec(chart);
  return semver ? { name: semver[1], version: semver[2] } : { name: chart, version: '' };
}
