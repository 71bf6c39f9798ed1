// What a LoadTest keeps in the state dir (records/LoadTest/<name>/): one JSON file per run (its
// record, progress, samples, results and the last log lines), and control.json with the run
// counter and the requests `hostplane run`/`abort` left for the reconciler. Runs are not spec
// changes, so nothing of this touches the spec files.
import type { StateDir } from '../../controllers/state-dir.js';
import type { ScalingKpis, ScalingSample } from './kpis.js';
import type { K6HttpMetrics } from './k6-summary.js';
import type { MergedHttp, MergedStress } from './merge-parallel.js';
import type { RunRecord } from './run-history.js';
import type { ThresholdResult } from './thresholds.js';

export interface RunData extends RunRecord {
  loadTest: string;
  type: 'http' | 'scaling' | 'cpu' | 'memory';
  namespace: string;
  jobs: string[];
  configMap?: string;
  /** The `hostplane run` request this run answers (the API's runRequest), so the CLI can name its run. */
  request?: string;
  /** Load phase, then (scaling) the cooldown sampling, then done. */
  phase: 'Load' | 'Cooldown' | 'Done';
  plannedMs: number;
  loadEndTime?: string;
  progress?: number;
  samples: ScalingSample[];
  nextSampleAt?: string;
  http?: K6HttpMetrics & { merged?: MergedHttp };
  stress?: MergedStress;
  kpis?: ScalingKpis;
  thresholds?: ThresholdResult[];
  exitCodes?: number[];
  reason?: string;
  message?: string;
  /** The last lines of the runner pods' logs (when the run failed or errored). */
  logTail?: string[];
}

export interface Control {
  runCount: number;
  /** The pending `hostplane run` request: one at a time; a request made while it is pending joins it. */
  runRequest?: string;
  lastHandledRunRequest?: string;
  /** A pending request `hostplane abort` cancelled before its run started (it never starts). */
  cancelledRunRequest?: string;
  abortRequest?: string;
}

/** The request that waits for its run (made, neither started nor cancelled yet), if any. */
export function pendingRunRequest(c: Control): string | undefined {
  return c.runRequest && c.runRequest !== c.lastHandledRunRequest && c.runRequest !== c.cancelledRunRequest ? c.runRequest : undefined;
}

export class RunStore {
  constructor(private readonly dir: StateDir, private readonly name: string) {}

  private base(...p: string[]): string {
    return ['records', 'LoadTest', this.name, ...p].join('/');
  }

  control(): Control {
    return this.dir.readJson<Control>(this.base('control.json')) ?? { runCount: 0 };
  }

  saveControl(c: Control): void {
    this.dir.writeJson(this.base('control.json'), c, { durable: true });
  }

  /** Newest first. */
  runs(): RunData[] {
    const out: RunData[] = [];
    for (const f of this.dir.list(this.base('runs'))) {
      if (!f.endsWith('.json')) continue;
      const r = this.dir.readJson<RunData>(this.base('runs', f));
      if (r) out.push(r);
    }
    return out.sort((a, b) => (b.startTime ?? '').localeCompare(a.startTime ?? '') || b.id.localeCompare(a.id));
  }

  run(id: string): RunData | undefined {
    return this.dir.readJson<RunData>(this.base('runs', `${id}.json`));
  }

  save(r: RunData): void {
    this.dir.writeJson(this.base('runs', `${r.id}.json`), r, { durable: r.outcome !== 'Running' });
  }

  remove(id: string): void {
    this.dir.remove(this.base('runs', `${id}.json`));
  }

  removeAll(): void {
    this.dir.remove(this.base());
  }
}
