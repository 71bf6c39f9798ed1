// status.history of an Addon (Flux's Snapshots; crds/addon.yaml): helm's revisions newest first,
// back to and including the previous successful one, bounded. The action of each revision comes
// from helm's description ("Install complete", "Upgrade complete", "Rollback to 3", and the
// failure texts), the digest of its values from what hostplane recorded when it made it.
import { splitChart, type HelmHistoryEntry } from './release-state.js';

export interface HistorySnapshot {
  revision: number;
  chartName: string;
  chartVersion: string;
  appVersion?: string;
  configDigest?: string;
  status: string;
  action?: 'install' | 'upgrade' | 'rollback';
  deployedAt?: string;
}

export function actionOf(description: string | undefined): HistorySnapshot['action'] {
  const d = (description ?? '').toLowerCase();
  if (d.startsWith('rollback')) return 'rollback';
  if (d.includes('install')) return 'install';
  if (d.includes('upgrade')) return 'upgrade';
  return undefined;
}

/**
 * Newest first; stops after the first successful (deployed or superseded) revision that is older
 * than the newest one, and never holds more than `max` entries.
 */
export function buildHistory(history: readonly HelmHistoryEntry[], digests: Readonly<Record<number, string>> = {}, max = 10): HistorySnapshot[] {
  const sorted = [...history].sort((a, b) => b.revision - a.revision);
  const out: HistorySnapshot[] = [];
  for (const h of sorted) {
    const chart = splitChart(h.chart);
    const action = actionOf(h.description);
    const iso = toIso(h.updated);
    out.push({
      revision: h.revision,
      chartName: chart.name,
      chartVersion: chart.version,
      ...(h.app_version ? { appVersion: h.app_version } : {}),
      ...(digests[h.revision] ? { configDigest: digests[h.revision] } : {}),
      status: h.status,
      ...(action ? { action } : {}),
      ...(iso ? { deployedAt: iso } : {}),
    });
    if (out.length >= max) break;
    if (out.length > 1 && (h.status === 'deployed' || h.status === 'superseded')) break;
  }
  return out;
}

/** helm prints "2026-12-06 04:00:00.123456 +0000 UTC" in history and RFC 3339 in status. */
function toIso(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const go = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.\d+)? ([+-]\d{2})(\d{2})/.exec(text);
  const d = go ? new Date(`${go[1]}T${go[2]}${go[3]}:${go[4]}`) : new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
