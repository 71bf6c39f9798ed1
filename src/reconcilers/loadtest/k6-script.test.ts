import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUMMARY_BEGIN, generateK6Script, userExports, wrapUserK6Script } from './k6-script.js';
import { withLoadTestDefaults } from './spec-types.js';

const strict = withLoadTestDefaults({ cluster: 'dev', type: 'http', target: { url: 'http://nginx-web.demo.svc.cluster.local/' }, k6: { vus: 50, duration: '30s' }, thresholds: { p95: '500ms', errorRate: '1%' } });
const ramp = withLoadTestDefaults({ cluster: 'dev', type: 'scaling', target: { url: 'http://nginx-web.demo.svc.cluster.local/', deployments: ['demo/nginx-web'] }, k6: { vus: 0, stages: [{ duration: '30s', target: 150 }, { duration: '60s', target: 150 }] } });

/** Loads a generated script in node with stubbed k6 modules and returns its exports. */
async function load(files: Record<string, string>, entry: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'k6-script-'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name.replace(/\.js$/, '.mjs')), text.replace(/from 'k6\/http'/, "from './k6-http.mjs'").replace(/from 'k6'/, "from './k6.mjs'").replace(/\.\/user-script\.js/g, './user-script.mjs'));
  }
  writeFileSync(join(dir, 'k6-http.mjs'), 'export default { get: (u) => ({ status: 200, url: u }) };');
  writeFileSync(join(dir, 'k6.mjs'), 'export const check = () => true;');
  return import(join(dir, entry.replace(/\.js$/, '.mjs')));
}

describe('generated k6 script', () => {
  it('constant VUs for a duration, spec thresholds and p(99) in the trend stats', async () => {
    const s = generateK6Script(strict);
    const mod = await load(s.files, s.entry);
    expect(mod.options).toEqual({
      scenarios: { load: { executor: 'constant-vus', vus: 50, duration: '30s' } },
      thresholds: { http_req_duration: ['p(95)<500'], http_req_failed: ['rate<0.01'] },
      summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    });
  });

  it('stages become a ramping-vus scenario starting at spec vus', async () => {
    const s = generateK6Script(ramp);
    const mod = await load(s.files, s.entry);
    expect((mod.options as { scenarios: unknown }).scenarios).toEqual({ load: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '30s', target: 150 }, { duration: '60s', target: 150 }] } });
  });

  it('handleSummary prints the summary JSON on one line between markers', async () => {
    const s = generateK6Script(strict);
    const mod = await load(s.files, s.entry);
    const out = (mod.handleSummary as (d: unknown) => { stdout: string })({ metrics: { http_reqs: { values: { count: 3 } } } });
    const lines = out.stdout.split('\n');
    const i = lines.indexOf(SUMMARY_BEGIN);
    expect(JSON.parse(lines[i + 1]!)).toEqual({ metrics: { http_reqs: { values: { count: 3 } } } });
    expect(lines[i + 2]).toBe('--- end ---');
  });

  it('a URL with quotes cannot break out of the script', async () => {
    const evil = withLoadTestDefaults({ ...strict, target: { url: "http://x/'+globalThis.pwned=1+'\"`${1}`" } });
    const s = generateK6Script(evil);
    const mod = await load(s.files, s.entry);
    expect(() => (mod.default as () => void)()).not.toThrow();
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
    expect(s.files['script.js']).toContain(JSON.stringify(evil.target!.url));
  });

  it('the script is valid JavaScript (node --check)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k6-check-'));
    const f = join(dir, 's.mjs');
    writeFileSync(f, generateK6Script(ramp).files['script.js']!);
    expect(spawnSync(process.execPath, ['--check', f], { encoding: 'utf8' }).status).toBe(0);
  });
});

describe('wrapped user script', () => {
  const user = `import http from 'k6/http';
export const options = { vus: 5, duration: '10s', thresholds: { http_req_duration: ['p(90)<300'] }, scenarios: { a: { executor: 'constant-vus', exec: 'browse', vus: 1, duration: '1s' } } };
export function setup() { return { token: 't' }; }
export default function (data) { return data.token; }
export function browse() { return 'browsed'; }
export const helper = 1;
export function handleSummary(data) { return { 'report.txt': 'x', stdout: 'user text\\n' }; }
`;

  it('finds the user exports to re-export (scenario exec functions)', () => {
    expect(userExports(user)).toEqual(['browse', 'helper']);
    expect(userExports('export { a, b as c };')).toEqual(['a', 'c']);
  });

  it('keeps the user options and functions, adds spec thresholds and trend stats, chains handleSummary', async () => {
    const s = wrapUserK6Script(strict, user);
    expect(Object.keys(s.files)).toEqual(['script.js', 'user-script.js']);
    const mod = await load(s.files, s.entry);
    const o = mod.options as Record<string, unknown>;
    expect(o.vus).toBe(5);
    expect(o.thresholds).toEqual({ http_req_duration: ['p(90)<300', 'p(95)<500'], http_req_failed: ['rate<0.01'] });
    expect(o.summaryTrendStats).toContain('p(99)');
    expect((mod.browse as () => string)()).toBe('browsed');
    expect((mod.default as (d: unknown) => unknown)((mod.setup as () => unknown)())).toBe('t');
    const out = (mod.handleSummary as (d: unknown) => Record<string, string>)({ metrics: {} });
    expect(out['report.txt']).toBe('x');
    expect(out.stdout).toMatch(/^user text\n\n--- hostplane k6 summary ---\n\{"metrics":\{\}\}\n--- end ---\n$/);
  });
});
