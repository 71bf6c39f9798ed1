// Go-style durations as the CRDs write them ("500ms", "30s", "1m30s", "1h").
const DURATION_RE = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/;
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION_RE.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(PART_RE)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

export function durationOrThrow(field: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`${field}: "${text}" is not a duration such as 500ms, 30s, 5m or 1h30m`);
  return ms;
}
