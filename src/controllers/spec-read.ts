// Reads one spec file safely: never blocks on a FIFO or device, never reads more than the limit.
// A FIFO dropped into the specs dir would hang a plain readFileSync for good (until a writer
// appears), and a 120 MB file would be parsed whole; both are refused here before any parsing.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** The largest spec file hostplane reads (README: "Spec files"). Real labs are a few KiB per file. */
export const MAX_SPEC_FILE_BYTES = 1024 * 1024;

/** The path is not a regular file (FIFO, socket, device, directory): it is not a spec file. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREGULAR';
  constructor(readonly file: string, readonly what: string) {
    super(`${file} is a ${what}, not a regular file; spec files must be regular files`);
    this.name = 'NotRegularFileError';
  }
}

/** The file is above the spec-file size limit; it was not read. */
export class SpecFileTooLargeError extends Error {
  readonly code = 'ETOOLARGE';
  constructor(readonly file: string, readonly size: number, readonly limit: number) {
    super(`${file} is ${describeBytes(size)}, above the ${describeBytes(limit)} limit for spec files; split it into smaller files`);
    this.name = 'SpecFileTooLargeError';
  }
}

export function describeBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isFIFO()) return 'FIFO (named pipe)';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isDirectory()) return 'directory';
  return 'special file';
}

/**
 * The text of a spec file. Opens non-blocking (a FIFO opens at once instead of waiting for a
 * writer), checks with fstat on the open descriptor that it is a regular file within `maxBytes`,
 * then reads at most `maxBytes + 1` bytes (a file that grows meanwhile is refused, not read on).
 * `label` names the file in errors. ENOENT and other open errors are thrown as they are.
 */
export function readSpecText(abs: string, opts: { maxBytes?: number; label?: string } = {}): string {
  const max = opts.maxBytes ?? MAX_SPEC_FILE_BYTES;
  const label = opts.label ?? abs;
  const fd = openSync(abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFileError(label, kindOf(st));
    if (st.size > max) throw new SpecFileTooLargeError(label, st.size, max);
    let buf = Buffer.alloc(Math.min(max + 1, st.size + 1));
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (len > max) break;
        // The file grew after fstat: keep reading, but never past the limit.
        const next = Buffer.alloc(Math.min(max + 1, buf.length * 2));
        buf.copy(next, 0, 0, len);
        buf = next;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    if (len > max) throw new SpecFileTooLargeError(label, len, max);
    return buf.toString('utf8', 0, len);
  } finally {
    closeSync(fd);
  }
}
