import type { SpecError } from './types.js';

/** `file:line:col field: message` — the one-line form used in events and the CLI. */
export function formatSpecError(e: SpecError): string {
  return `${e.file}:${e.line}:${e.col} ${e.field ? `${e.field}: ` : ''}${e.message}`;
}
