// A clock that runs `scale` times faster than wall time (scale 60: a simulated minute per real
// second), so a demo can show HPA stabilization windows and lease expiry without waiting.
import { realClock, type Clock, type TimerHandle } from '../../../controllers/clock.js';

export class ScaledClock implements Clock {
  private readonly realStart: number;
  private readonly simStart: number;

  constructor(readonly scale: number, start = Date.now(), private readonly base: Clock = realClock) {
    if (!(scale > 0)) throw new Error(`time scale must be above 0, got ${scale}`);
    this.realStart = base.now();
    this.simStart = start;
  }

  now(): number {
    return this.simStart + (this.base.now() - this.realStart) * this.scale;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(fn, Math.max(0, ms) / this.scale);
  }

  clearTimeout(handle: TimerHandle): void {
    this.base.clearTimeout(handle);
  }
}
