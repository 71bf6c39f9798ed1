// Serves the built dashboard (ui/dist) with an SPA fallback to index.html.
import { readFileSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** `ui/dist` of this package: the same two levels up from src/api/ and from dist/api/. */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../ui/dist/', import.meta.url));
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

function fileIfAny(path: string): Buffer | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The response for a GET of `urlPath` from `uiDir`: the file itself, or index.html for client
 * routes. A path that would leave uiDir gets index.html too (it never reads outside the folder).
 */
export function staticResponse(uiDir: string, urlPath: string): Response {
  const root = resolve(uiDir);
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    decoded = '/';
  }
  const candidate = resolve(root, '.' + (decoded.startsWith('/') ? decoded : `/${decoded}`));
  const inside = candidate === root || candidate.startsWith(root + sep);
  if (inside && candidate !== root && !decoded.includes('\0')) {
    const body = fileIfAny(candidate);
    if (body) {
      const immutable = decoded.startsWith('/assets/');
      return new Response(new Uint8Array(body), {
        headers: {
          ...SECURITY_HEADERS,
          'content-type': TYPES[extname(candidate)] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
      });
    }
    // A missing asset is a real 404: answering a .js request with HTML only hides the problem.
    if (extname(candidate) && decoded.startsWith('/assets/')) {
      return new Response('not found\n', { status: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
    }
  }
  const index = fileIfAny(resolve(root, 'index.html'));
  if (!index) {
    const html = `<!doctype html><meta charset="utf-8"><title>hostplane</title><body style="font-family:sans-serif;background:#111;color:#ddd;padding:2rem"><h1>hostplane</h1><p>The dashboard is not built. Run <code>npm run build:ui</code> and reload. The API is at <a style="color:#8cf" href="/api/v1/kinds">/api/v1</a>.</p>`;
    return new Response(html, { status: 503, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' } });
  }
  return new Response(new Uint8Array(index), { headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' } });
}
