// Limits on what a request may send: bounded reads, bounded nesting, bounded parameters.
// Every violation is a 4xx with a message, never a 500, a stack overflow or unbounded memory.

/** A request broke one of these limits: `status` is the HTTP status to answer with. */
export class RequestLimitError extends Error {
  constructor(readonly status: 400 | 413 | 414, readonly code: string, message: string) {
    super(message);
    this.name = 'RequestLimitError';
  }
}

/** Deeper than any hostplane object needs (the CRDs nest about ten levels). */
export const MAX_DOCUMENT_DEPTH = 64;
/** Longest `?file=` accepted: a path inside the specs directory, not an essay. */
export const MAX_FILE_PARAM_CHARS = 1024;

/**
 * Reads a request body, stopping (and cancelling the stream) as soon as it passes `maxBytes`:
 * a chunked 600 MB upload costs at most `maxBytes` plus one chunk of memory.
 */
export async function readBodyBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new RequestLimitError(413, 'TooLarge', `the body is too large: the limit is ${maxBytes} bytes (reading stopped there)`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks, size));
}

/** Throws a 400 when `value` nests deeper than `maxDepth` (checked without recursion). */
export function checkDepth(value: unknown, maxDepth = MAX_DOCUMENT_DEPTH, what = 'the body'): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= maxDepth) throw new RequestLimitError(400, 'BadRequest', `${what} is nested too deeply (more than ${maxDepth} levels); hostplane objects need far fewer`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** A stack overflow while parsing means input nested beyond what the parser can take. */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

export function checkFileParam(file: string | undefined): void {
  if (file !== undefined && file.length > MAX_FILE_PARAM_CHARS) {
    throw new RequestLimitError(414, 'URITooLong', `file= is ${file.length} characters; the limit is ${MAX_FILE_PARAM_CHARS}: give a path relative to the specs directory, like "lab/dev.yaml"`);
  }
}
