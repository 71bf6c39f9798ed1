// Built-in k6 script for http and scaling LoadTests: GET TARGET_URL and check for a 2xx answer.
// Load shape and thresholds come from the environment (see k6-job.yaml), so one script serves
// every preset. The summary is printed between markers so it can be read from the pod log too.
import http from 'k6/http';
import { check } from 'k6';

const stages = (__ENV.STAGES || '')
  .split(',')
  .filter(Boolean)
  .map((s) => {
    const [duration, target] = s.split(':');
    return { duration, target: Number(target) };
  });

const thresholds = {};
if (__ENV.P95_MS) thresholds.http_req_duration = [`p(95)<${__ENV.P95_MS}`];
if (__ENV.P99_MS) thresholds.http_req_duration = [...(thresholds.http_req_duration || []), `p(99)<${__ENV.P99_MS}`];
if (__ENV.MAX_ERROR_RATE) thresholds.http_req_failed = [`rate<${__ENV.MAX_ERROR_RATE}`];

export const options = stages.length
  ? { stages, thresholds }
  : { vus: Number(__ENV.VUS || 10), duration: __ENV.DURATION || '30s', thresholds };

export default function () {
  const res = http.get(__ENV.TARGET_URL);
  check(res, { 'status is 2xx': (r) => r.status >= 200 && r.status < 300 });
}

export function handleSummary(data) {
  return {
    stdout: `\n--- hostplane k6 summary ---\n${JSON.stringify(data)}\n--- end ---\n`,
    '/results/summary-full.json': JSON.stringify(data),
  };
}
