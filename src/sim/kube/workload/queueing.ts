// The serving model of a web pod and a closed-loop k6 client (see the README's model section).
// A pod with capacity C requests/s (its CPU limit divided by the CPU one request costs) answers
// in base + (1000/C)/(1-u) ms on average at utilisation u (an M/M/1-like curve). N looping VUs,
// spread evenly over P ready pods as kube-proxy does, each wait for the answer and then start the
// next iteration, so the request rate X solves X = N / (mean latency(X) + think time): the load
// adapts to the capacity, and latency rises with utilisation. Within a step a pod's latencies are
// its fixed network time plus an exponential sojourn time (as in M/M/1), recorded in a log-bucket
// histogram for the percentiles: p95 ≈ 3× and p99 ≈ 4.6× the queueing mean.

export interface PodServer {
  name: string;
  /** requests/s at 100% of the pod's CPU */
  capacity: number;
  /** network and proxy time (ms) added to every answer */
  baseMs: number;
  /** concurrent requests the server accepts; beyond them requests fail fast (503) */
  maxConcurrent: number;
}

export interface Equilibrium {
  /** requests/s in total */
  rps: number;
  perPod: Array<{ name: string; rps: number; meanMs: number; utilisation: number; errorFraction: number }>;
  meanMs: number;
}

const MAX_U = 0.995;

export function podLatencyMs(p: PodServer, rps: number): number {
  const u = Math.min(MAX_U, rps / p.capacity);
  return p.baseMs + 1000 / p.capacity / (1 - u);
}

/** The closed-loop operating point of `vus` VUs over `pods` (each iteration = one request + thinkMs). */
export function solveClosedLoop(pods: readonly PodServer[], vus: number, thinkMs: number, requestsPerIteration = 1): Equilibrium {
  if (pods.length === 0 || vus <= 0) return { rps: 0, perPod: pods.map((p) => ({ name: p.name, rps: 0, meanMs: podLatencyMs(p, 0), utilisation: 0, errorFraction: 0 })), meanMs: 0 };
  const share = 1 / pods.length;
  const meanAt = (x: number) => pods.reduce((n, p) => n + share * podLatencyMs(p, x * share), 0);
  // g(x) = x * (requests per iteration * mean latency + think) / 1000 - vus * requests per iteration, increasing in x
  const g = (x: number) => (x * (requestsPerIteration * meanAt(x) + thinkMs)) / 1000 - vus * requestsPerIteration;
  let lo = 0;
  let hi = Math.min(...pods.map((p) => p.capacity)) * pods.length * MAX_U;
  if (g(hi) < 0) lo = hi;
  for (let i = 0; i < 60 && hi - lo > 1e-6; i++) {
    const mid = (lo + hi) / 2;
    if (g(mid) < 0) lo = mid;
    else hi = mid;
  }
  const x = lo;
  const perPod = pods.map((p) => {
    const rps = x * share;
    const meanMs = podLatencyMs(p, rps);
    // Little's law: requests in the pod at once; the excess over what it accepts fails
    const inFlight = (vus * share * requestsPerIteration * meanMs) / (requestsPerIteration * meanMs + thinkMs);
    const errorFraction = inFlight > p.maxConcurrent ? (inFlight - p.maxConcurrent) / inFlight : 0;
    return { name: p.name, rps, meanMs, utilisation: Math.min(1, rps / p.capacity), errorFraction };
  });
  return { rps: x, perPod, meanMs: meanAt(x) };
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

const POINTS = 200;
const Z = Array.from({ length: POINTS }, (_, k) => normalQuantile((k + 0.5) / POINTS));
// quantiles of Exp(1) at the same points (M/M/1 sojourn times are exponential)
const E = Array.from({ length: POINTS }, (_, k) => -Math.log(1 - (k + 0.5) / POINTS));

/** Latency histogram: log buckets 2% wide from 0.05 ms to about 10 minutes. */
export class LatencyHistogram {
  private static readonly RATIO = 1.02;
  private static readonly MIN = 0.05;
  private readonly buckets = new Float64Array(850);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  add(ms: number, weight: number): void {
    if (weight <= 0) return;
    const i = Math.max(0, Math.min(this.buckets.length - 1, Math.floor(Math.log(Math.max(ms, LatencyHistogram.MIN) / LatencyHistogram.MIN) / Math.log(LatencyHistogram.RATIO))));
    this.buckets[i]! += weight;
    this.count += weight;
    this.sum += ms * weight;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** `weight` requests whose latencies are log-normal with this mean and sigma. */
  addLogNormal(meanMs: number, sigma: number, weight: number): void {
    if (weight <= 0) return;
    const median = meanMs / Math.exp((sigma * sigma) / 2);
    for (const z of Z) this.add(median * Math.exp(sigma * z), weight / POINTS);
  }

  /** `weight` requests taking `fixedMs` plus an exponential wait of mean `meanMs` (an M/M/1 queue's sojourn time). */
  addExponential(fixedMs: number, meanMs: number, weight: number): void {
    if (weight <= 0) return;
    for (const e of E) this.add(fixedMs + meanMs * e, weight / POINTS);
  }

  quantile(q: number): number {
    if (this.count === 0) return 0;
    const target = q * this.count;
    let acc = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      acc += this.buckets[i]!;
      if (acc >= target) return Math.min(this.max, Math.max(this.min, LatencyHistogram.MIN * LatencyHistogram.RATIO ** (i + 0.5)));
    }
    return this.max;
  }

  avg(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}
