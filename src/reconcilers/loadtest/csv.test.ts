import { describe, expect, it } from 'vitest';
import { METRIC_COLUMNS, csvField, metricsCsv, samplesCsv, toCsv } from './csv.js';

/** A small RFC 4180 reader for the tests: rows of fields. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += c;
  }
  return rows;
}

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    [12.5, '12.5'],
    [undefined, ''],
    [Number.NaN, ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    [true, 'true'],
  ])('field %j → %j', (v, want) => {
    expect(csvField(v as never)).toBe(want);
  });

  it('ends every row with CRLF, including the last', () => {
    expect(toCsv(['a', 'b'], [[1, 2]])).toBe('a,b\r\n1,2\r\n');
  });

  it('samples: one row per sample and deployment, in time then name order', () => {
    const csv = samplesCsv('r1', [
      { tMs: 5000, deployments: { 'demo/nginx-web': { replicas: 4, hpaCurrent: 4, hpaDesired: 6, cpuPercent: 120 }, 'demo/httpbin': { replicas: 2 } }, rps: 950.5 },
      { tMs: 0, deployments: { 'demo/nginx-web': { replicas: 3, hpaCurrent: 3, hpaDesired: 3, cpuPercent: 5 } } },
    ]);
    expect(readCsv(csv)).toEqual([
      ['run', 't_seconds', 'deployment', 'replicas', 'hpa_current', 'hpa_desired', 'cpu_percent', 'rps'],
      ['r1', '0', 'demo/nginx-web', '3', '3', '3', '5', ''],
      ['r1', '5', 'demo/httpbin', '2', '', '', '', '950.5'],
      ['r1', '5', 'demo/nginx-web', '4', '4', '6', '120', '950.5'],
    ]);
  });

  it('metrics: one row per run, a message with commas and quotes survives the round trip', () => {
    const csv = metricsCsv([
      { id: 'r1', loadTest: 'dev-strict-sla', outcome: 'Failed', exitCode: 99, message: 'Thresholds crossed: p95 612ms >= 500ms, "errorRate" ok', http: { requests: 14362, rps: 478.54, p95Ms: 612.8, p99Ms: 1433.9, errorRate: 0.000835 } },
      { id: 'r2', loadTest: 'dev-cpu-stress-light', outcome: 'Succeeded', exitCode: 0, stress: { bogoOps: 48210, bogoOpsPerSecReal: 1606.96 } },
    ]);
    const rows = readCsv(csv);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual([...METRIC_COLUMNS]);
    const r1 = Object.fromEntries(METRIC_COLUMNS.map((c, i) => [c, rows[1]![i]]));
    expect(r1).toMatchObject({ run: 'r1', outcome: 'Failed', exit_code: '99', message: 'Thresholds crossed: p95 612ms >= 500ms, "errorRate" ok', requests: '14362', p95_ms: '612.8', p99_ms: '1433.9', bogo_ops: '' });
    const r2 = Object.fromEntries(METRIC_COLUMNS.map((c, i) => [c, rows[2]![i]]));
    expect(r2).toMatchObject({ run: 'r2', bogo_ops: '48210', bogo_ops_per_sec_real: '1606.96', requests: '' });
    expect(rows.every((r) => r.length === METRIC_COLUMNS.length)).toBe(true);
  });
});
