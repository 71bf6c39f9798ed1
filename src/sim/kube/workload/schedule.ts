// How many VUs a k6 run has at each moment, from the script's options as k6 reads them:
// `scenarios` with constant-vus / ramping-vus / per-vu-iterations / shared-iterations, or the
// shortcuts `vus`+`duration`, `stages`, `iterations`. Arrival-rate executors are modelled as their
// maxVUs (preAllocatedVUs) looping VUs: an approximation the README states.

export interface Schedule {
  /** Planned run time (ms) before graceful stop. */
  durationMs: number;
  /** VUs at t ms after start. */
  vusAt(t: number): number;
  maxVus: number;
  /** Iterations to run in total (per-vu and shared iterations); undefined = time bound. */
  iterations?: number;
  describe: string;
}

export function parseK6Duration(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = String(v ?? '');
  let total = 0;
  let matched = false;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    matched = true;
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms']!;
  }
  if (!matched) throw new Error(`invalid duration "${s}"`);
  return total;
}

interface Stage {
  durationMs: number;
  target: number;
}

function ramping(start: number, stages: Stage[]): (t: number) => number {
  return (t) => {
    let from = start;
    let at = 0;
    for (const st of stages) {
      if (t < at + st.durationMs) return Math.round(from + ((st.target - from) * (t - at)) / Math.max(1, st.durationMs));
      at += st.durationMs;
      from = st.target;
    }
    return from;
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function scheduleOf(options: any, segment: [number, number] = [0, 1]): Schedule {
  // k6 splits VUs by execution segment: runner i gets floor(v*b) - floor(v*a)
  const seg = (v: number) => Math.floor(v * segment[1] + 1e-9) - Math.floor(v * segment[0] + 1e-9);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const parts: Array<{ startMs: number; s: Schedule }> = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const one = (sc: any): Schedule => {
    const exec = sc.executor ?? (sc.stages ? 'ramping-vus' : sc.iterations && !sc.duration ? 'shared-iterations' : 'constant-vus');
    if (exec === 'ramping-vus') {
      const stages: Stage[] = (sc.stages ?? []).map((s: { duration: string; target: number }) => ({ durationMs: parseK6Duration(s.duration), target: seg(Number(s.target) || 0) }));
      const f = ramping(seg(sc.startVUs ?? 1), stages);
      const durationMs = stages.reduce((n, s) => n + s.durationMs, 0);
      const maxVus = Math.max(seg(sc.startVUs ?? 1), ...stages.map((s) => s.target));
      return { durationMs, vusAt: f, maxVus, describe: `up to ${maxVus} looping VUs for ${durationMs / 1000}s over ${stages.length} stages` };
    }
    if (exec === 'shared-iterations' || exec === 'per-vu-iterations') {
      const vus = seg(sc.vus ?? 1);
      const iterations = exec === 'per-vu-iterations' ? (sc.iterations ?? 1) * vus : seg(sc.iterations ?? 1);
      const durationMs = parseK6Duration(sc.maxDuration ?? '10m');
      return { durationMs, vusAt: () => vus, maxVus: vus, iterations, describe: `${iterations} iterations shared among ${vus} VUs` };
    }
    const vus = seg(exec === 'constant-vus' ? (sc.vus ?? 1) : (sc.maxVUs ?? sc.preAllocatedVUs ?? 1));
    const durationMs = parseK6Duration(sc.duration ?? '10s');
    return { durationMs, vusAt: () => vus, maxVus: vus, describe: `${vus} looping VUs for ${durationMs / 1000}s` };
  };
  if (options?.scenarios && Object.keys(options.scenarios).length > 0) {
    for (const sc of Object.values(options.scenarios)) parts.push({ startMs: parseK6Duration((sc as { startTime?: string }).startTime ?? '0s'), s: one(sc) });
  } else if (options?.stages) {
    parts.push({ startMs: 0, s: one({ executor: 'ramping-vus', startVUs: options.vus ?? 1, stages: options.stages }) });
  } else if (options?.duration) {
    parts.push({ startMs: 0, s: one({ executor: 'constant-vus', vus: options.vus ?? 1, duration: options.duration }) });
  } else {
    parts.push({ startMs: 0, s: one({ executor: 'shared-iterations', vus: options?.vus ?? 1, iterations: options?.iterations ?? 1 }) });
  }
  const iterations = parts.every((p) => p.s.iterations !== undefined) ? parts.reduce((n, p) => n + p.s.iterations!, 0) : undefined;
  return {
    durationMs: Math.max(...parts.map((p) => p.startMs + p.s.durationMs)),
    vusAt: (t) => parts.reduce((n, p) => n + (t >= p.startMs && t < p.startMs + p.s.durationMs ? p.s.vusAt(t - p.startMs) : 0), 0),
    maxVus: parts.reduce((n, p) => n + p.s.maxVus, 0),
    ...(iterations !== undefined ? { iterations } : {}),
    describe: parts.map((p) => p.s.describe).join('; '),
  };
}
