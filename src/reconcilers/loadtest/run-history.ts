// Runs of a LoadTest (issue 12 item 3): ids, one run at a time, when a run starts (runPolicy
// OnGenerationChange or Manual, plus manual requests), a run found again after `up` restarted,
// the run deadline, and keepRuns pruning (oldest first, never the running one).

export type RunTrigger = 'GenerationChange' | 'Manual';
export type RunOutcomeState = 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Cancelled';

export interface RunRecord {
  id: string;
  generation?: number;
  trigger?: RunTrigger;
  startTime?: string;
  completionTime?: string;
  outcome?: RunOutcomeState;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "20261206-041412-7": sortable, DNS-1123 safe, unique per LoadTest through its run counter. */
export function newRunId(now: Date, runCount: number): string {
  const d = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const t = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${d}-${t}-${runCount.toString(36)}`;
}

export interface RunDecisionInput {
  runPolicy: 'OnGenerationChange' | 'Manual';
  generation: number;
  /** Newest run first (status.runs). */
  runs: readonly RunRecord[];
  /** Value of the run-request annotation (hostplane run loadtest/NAME), if any. */
  runRequest?: string;
  lastHandledRunRequest?: string;
  suspended?: boolean;
  /** Preconditions (cluster, dependsOn, HPA …) hold. */
  ready: boolean;
}

export type RunDecision =
  | { start: true; trigger: RunTrigger; message: string; handledRequest?: string }
  | { start: false; reason: 'Running' | 'NotRequested' | 'AlreadyRan' | 'Suspended' | 'NotReady'; message: string };

export function decideRun(inp: RunDecisionInput): RunDecision {
  const running = inp.runs.find((r) => r.outcome === 'Running');
  const requested = inp.runRequest !== undefined && inp.runRequest !== '' && inp.runRequest !== inp.lastHandledRunRequest;
  if (inp.suspended) return { start: false, reason: 'Suspended', message: 'The LoadTest is suspended' };
  if (running) return { start: false, reason: 'Running', message: `Run ${running.id} is in progress; one run at a time${requested ? ' (the new request starts after it)' : ''}` };
  const wants = requested || (inp.runPolicy === 'OnGenerationChange' && !inp.runs.some((r) => r.generation === inp.generation && r.trigger === 'GenerationChange'));
  if (!wants) {
    return inp.runPolicy === 'Manual'
      ? { start: false, reason: 'NotRequested', message: 'runPolicy Manual: waiting for hostplane run loadtest/NAME' }
      : { start: false, reason: 'AlreadyRan', message: `Generation ${inp.generation} already ran` };
  }
  if (!inp.ready) return { start: false, reason: 'NotReady', message: 'A run is due but the preconditions do not hold yet' };
  if (requested) return { start: true, trigger: 'Manual', message: 'Run requested', handledRequest: inp.runRequest };
  return { start: true, trigger: 'GenerationChange', message: inp.runs.length === 0 ? 'First run of this LoadTest' : `The spec changed (generation ${inp.generation})` };
}

/** keepRuns newest runs stay; older ones go, oldest first. The running run is always kept. */
export function pruneRuns(runs: readonly RunRecord[], keepRuns: number): { keep: RunRecord[]; prune: RunRecord[] } {
  const newestFirst = [...runs].sort((a, b) => (b.startTime ?? '').localeCompare(a.startTime ?? '') || b.id.localeCompare(a.id));
  const keep: RunRecord[] = [];
  const prune: RunRecord[] = [];
  for (const r of newestFirst) (keep.length < keepRuns || r.outcome === 'Running' ? keep : prune).push(r);
  return { keep, prune: prune.reverse() };
}

export interface OrphanFacts {
  /** The run's Job exists in the cluster. */
  jobFound: boolean;
  /** The Job has finished (Complete or Failed). */
  jobFinished: boolean;
}

/** A run recorded as Running when `up` starts again: it is never left Running. */
export function recoverRun(run: RunRecord, f: OrphanFacts, now: Date, timeoutMs: number): 'collect' | 'keepWaiting' | 'markError' {
  if (f.jobFound && f.jobFinished) return 'collect';
  if (!f.jobFound) return 'markError';
  return runTimedOut(run, now, timeoutMs) ? 'markError' : 'keepWaiting';
}

export function runTimedOut(run: RunRecord, now: Date, timeoutMs: number): boolean {
  if (!run.startTime) return false;
  return now.getTime() - Date.parse(run.startTime) > timeoutMs;
}

/** Progress of a running run, 0..1, from elapsed over planned (load + cooldown). */
export function runProgress(run: RunRecord, now: Date, plannedMs: number): number {
  if (!run.startTime || plannedMs <= 0) return 0;
  if (run.outcome && run.outcome !== 'Running') return 1;
  return Math.min(1, Math.max(0, (now.getTime() - Date.parse(run.startTime)) / plannedMs));
}
