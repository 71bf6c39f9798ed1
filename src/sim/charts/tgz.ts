// A deterministic chart archive: POSIX ustar entries in sorted path order with fixed owner, mode
// and mtime, gzip without a timestamp. The same stand-in files always give the same bytes, so the
// digest the sim chart source reports only changes when a chart changes (helm 3's `helm package`
// stamps the current time into every entry). Format: POSIX.1-1988 ustar, read by helm's Go tar.
import { gzipSync } from 'node:zlib';
import fs from 'node:fs/promises';
import path from 'node:path';

// 1980-01-01, as reproducible-build tools use: well after 0 so no reader treats it as "unset".
const FIXED_MTIME = 315532800;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number): Buffer {
  const buf = Buffer.alloc(512, 0);
  let prefix = '';
  let short = name;
  if (Buffer.byteLength(name) > 100) {
    // Split at a slash: prefix (≤155) + name (≤100).
    const cut = name.lastIndexOf('/', name.length - 1);
    prefix = name.slice(0, cut);
    short = name.slice(cut + 1);
    if (Buffer.byteLength(prefix) > 155 || Buffer.byteLength(short) > 100 || cut < 0) throw new Error(`path too long for a chart archive: ${name}`);
  }
  buf.write(short, 0, 100, 'utf8');
  buf.write(octal(0o644, 8), 100, 'ascii');
  buf.write(octal(0, 8), 108, 'ascii');
  buf.write(octal(0, 8), 116, 'ascii');
  buf.write(octal(size, 12), 124, 'ascii');
  buf.write(octal(FIXED_MTIME, 12), 136, 'ascii');
  buf.write('        ', 148, 'ascii'); // checksum placeholder: 8 spaces while summing
  buf.write('0', 156, 'ascii'); // regular file
  buf.write('ustar\0', 257, 'ascii');
  buf.write('00', 263, 'ascii');
  buf.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of buf) sum += b;
  buf.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return buf;
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // .helmignore-style: no hidden files in a chart archive
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, r)));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/** The .tgz bytes of a chart directory, entries under `<topDir>/`. */
export async function packChart(chartDir: string, topDir: string): Promise<Buffer> {
  const files = (await listFiles(chartDir)).sort();
  const parts: Buffer[] = [];
  for (const rel of files) {
    const data = await fs.readFile(path.join(chartDir, rel));
    parts.push(header(`${topDir}/${rel}`, data.length), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}
