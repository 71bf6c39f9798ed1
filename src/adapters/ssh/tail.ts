// A command's output as a result keeps only its end: a provisioning run that prints for an hour
// must not be held whole in memory (the full text streams to the log through onOutput).

/** The most of each of stdout and stderr a RunResult keeps (the last characters). */
export const RESULT_TAIL_CHARS = 64 * 1024;

/** Appends `chunk`, keeping at most about `max` characters (trimmed in steps, not on every chunk). */
export function appendTail(buf: string, chunk: string, max = RESULT_TAIL_CHARS): string {
  const next = buf + chunk;
  return next.length > 2 * max ? next.slice(-max) : next;
}

/** The final view: exactly the last `max` characters. */
export function finalTail(buf: string, max = RESULT_TAIL_CHARS): string {
  return buf.length > max ? buf.slice(-max) : buf;
}
