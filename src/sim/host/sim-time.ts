// The sim host's time scale: its simulated clusters (and the LoadTest runs in them) run on a
// ScaledClock, so an HPA's 60 s stabilization or a 5-minute preset takes seconds. The clock is
// anchored once in the state dir (real and simulated epoch), so a restarted `up` — even after
// kill -9 — continues the same simulated timeline instead of jumping back behind the timestamps
// its clusters and run records already hold.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ScaledClock } from '../kube/control-plane/scaled-clock.js';

interface Anchor {
  scale: number;
  realEpoch: number;
  simEpoch: number;
}

export function simHostClock(file: string, scale: number, realNow = Date.now()): ScaledClock {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`--sim-time-scale must be a number above 0, got ${scale}`);
  let anchor: Anchor | undefined;
  try {
    anchor = JSON.parse(readFileSync(file, 'utf8')) as Anchor;
  } catch {
    /* first start on this state dir */
  }
  // where the simulated timeline stands now (never behind real time: a scale of 1 is real time)
  const simNow = anchor ? Math.max(realNow, anchor.simEpoch + (realNow - anchor.realEpoch) * anchor.scale) : realNow;
  if (!anchor || anchor.scale !== scale) {
    // a new scale starts from where the old timeline stands
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ scale, realEpoch: realNow, simEpoch: simNow } satisfies Anchor), { mode: 0o600 });
    renameSync(tmp, file);
  }
  return new ScaledClock(scale, simNow);
}
