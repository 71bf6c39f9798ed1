// The HTTP API: list/get/watch objects, events, apply/delete through the spec files, suspend/resume as a state-dir hold,
// reconcile-now and the last reconcile's timing, kinds with their schemas, host capacity, metrics,
// health, and the dashboard.
//
// Everything a request can change goes through the spec files (the source of truth); the watcher
// then brings the change into the store like any edit made in an editor.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Hono, type Context } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import { parseAllDocuments } from 'yaml';
import type { HostObject, Kind, ReconcileInfo, SpecError } from '../api/types.js';
import { objectKey } from '../api/types.js';
import type { ObjectStore } from '../controllers/store.js';
import { StateDir, writeFileAtomic } from '../controllers/state-dir.js';
import { recordDeletionIntent } from '../controllers/deletion-guard.js';
import { markReconcileRequested, setSuspended } from '../controllers/object-requests.js';
import { SpecEditError, SpecPathError, applyObjects, deleteObject, type ApplyObjectInput } from '../spec-edit/spec-files.js';
import { Redactor, findRedactedPlaceholders } from './redact.js';
import { openWatch, type WatchHandle, type WatchHostEvent } from './watch.js';
import { matchesLabels, parseLabelSelector, SelectorError, type LabelRequirement } from '../api/selectors.js';
import { defaultUiDir, staticResponse } from './static.js';
import type { KindModule } from '../controllers/kind-module.js';
import { NO_DOMAIN_DATA, mountDomainRoutes, type DomainData } from './domain/routes.js';
import { RequestLimitError, checkDepth, checkFileParam, isStackOverflow, readBodyBounded } from './body-limits.js';

/** A printer column as the CRD declares it (`additionalPrinterColumns`). */
export interface ApiPrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
  description?: string;
}

export interface ApiKindInfo {
  kind: string;
  plural: string;
  singular?: string;
  shortNames?: readonly string[];
  printerColumns?: readonly ApiPrinterColumn[];
}

export type ApiValidation = { ok: true; object: unknown } | { ok: false; issues: readonly { field: string; message: string }[] };

/** What the API needs from the schema registry (`src/api/schema.ts` provides it). */
export interface ApiRegistry {
  kinds(): readonly ApiKindInfo[];
  validate(doc: unknown): ApiValidation;
  openApiSchema(kind: Kind): unknown;
}

/** What the API needs from the event recorder (`src/controllers/events.ts` provides it). */
export interface ApiEvents {
  list(filter?: { object?: string; sinceId?: number }): readonly WatchHostEvent[];
  subscribe(fn: (e: WatchHostEvent) => void): () => void;
}

export interface HostCapacity {
  cpu: number;
  memoryMiB: number;
  requestedCpu: number;
  requestedMemoryMiB: number;
}

/** Everything the API reads or drives. Built once by `hostplane up`. */
export interface ApiContext {
  store: ObjectStore;
  registry: ApiRegistry;
  events: ApiEvents;
  metrics: { render(): string };
  specsDir: string;
  stateDir: StateDir;
  /** Enqueues `Kind/name` now; false when no such object. */
  reconcileNow(key: string): boolean;
  /** The last finished reconcile of `Kind/name` (time, duration, result) and whether one runs now. */
  reconcileInfo(key: string): ReconcileInfo;
  hostCapacity(): HostCapacity;
  /** Values that must never appear in a response (SSH passwords, keys, tokens). Read per request. */
  secretValues(): string[];
  /** The kind modules: their references (served with /kinds for the dashboard's graph) and extra routes. */
  kinds?: readonly KindModule[];
  /** The dashboard's collected data (VM metrics, cluster inventory, traffic); absent in bare API tests. */
  domain?: DomainData;
}

export interface ApiOptions {
  /** Bearer token; required on every route when `requireToken`. */
  token?: string;
  requireToken: boolean;
  /** The built dashboard; defaults to this package's `ui/dist`. */
  uiDir?: string;
  /** SSE heartbeat period. */
  heartbeatMs?: number;
  /** Largest apply body accepted. */
  maxBodyBytes?: number;
}

export interface ServeOptions {
  /** `host:port`, e.g. `127.0.0.1:7780`, `0.0.0.0:7780`, `[::1]:0`. */
  listen: string;
  uiDir?: string;
  heartbeatMs?: number;
}

export interface ServedApi {
  /** Base URL, e.g. `http://127.0.0.1:7780`. */
  url: string;
  /** Set when a token is required (non-loopback): print it once. */
  token?: string;
  close(): Promise<void>;
}

const TOKEN_FILE = 'api-token';
/** Ends an app's open watch streams (serveApi's close). */
const watchClosers = new WeakMap<Hono, () => void>();
const AUTH_COOKIE = 'hostplane_token';
const API_PREFIX = '/api/v1';

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

/** Writes the API error shape: `{ error: { code, message, ... } }`. */
function errorBody(code: string, message: string, details?: Record<string, unknown>): { error: Record<string, unknown> } {
  return { error: { code, message, ...(details ?? {}) } };
}

// ---------------------------------------------------------------------------------------------
// Host and auth helpers

/** True for 127.0.0.0/8, ::1 and localhost (what a non-root user on this host can reach). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1' || /^127(?:\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Splits `host:port` / `[v6]:port`; a bare port means 127.0.0.1. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen.trim()) ?? (/^(\d+)$/.test(listen.trim()) ? [listen, undefined, '127.0.0.1', listen.trim()] : null);
  if (!m) throw new Error(`--listen must be host:port (for example 127.0.0.1:7780), got "${listen}"`);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen port must be 0-65535, got "${m[3]}"`);
  return { host, port };
}

/** Reads `<stateDir>/api-token`, creating it (mode 0600) when absent; tightens a loose mode. */
export function loadOrCreateToken(stateDir: StateDir): string {
  const file = stateDir.path(TOKEN_FILE);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 16) {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return existing;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(32).toString('base64url');
  stateDir.ensure();
  writeFileAtomic(file, `${token}\n`, 0o600, true);
  chmodSync(file, 0o600); // umask can only narrow, but be explicit
  return token;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

function hostOfHeader(host: string | undefined): string {
  if (!host) return '';
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host.trim());
  return m ? m[1] : host;
}

// ---------------------------------------------------------------------------------------------
// Path safety

/** A spec file path from a request, made relative and checked to stay inside specsDir. */
export function safeSpecPath(specsDir: string, file: string): string {
  if (typeof file !== 'string' || !file || file.includes('\0')) throw new ApiError(400, 'BadRequest', 'file must be a non-empty path relative to the specs directory');
  if (isAbsolute(file) || /^[a-zA-Z]:[\\/]/.test(file)) throw new ApiError(400, 'PathOutsideSpecs', `file "${file}" is absolute; give a path relative to the specs directory`);
  const rel = normalize(file).replace(/\\/g, '/');
  if (rel === '..' || rel.startsWith('../') || rel.split('/').includes('..')) {
    throw new ApiError(400, 'PathOutsideSpecs', `file "${file}" leaves the specs directory; give a path inside it, like "lab/dev.yaml"`);
  }
  const root = resolve(specsDir);
  const abs = resolve(root, rel);
  if (!abs.startsWith(root + sep)) throw new ApiError(400, 'PathOutsideSpecs', `file "${file}" leaves the specs directory`);
  if (!/\.ya?ml$/i.test(rel)) throw new ApiError(400, 'BadRequest', `file "${file}" must end in .yaml or .yml`);
  if (rel.split('/').some((seg) => seg.startsWith('.'))) throw new ApiError(400, 'BadRequest', `file "${file}" must not be hidden or inside a hidden folder`);
  return rel;
}

// ---------------------------------------------------------------------------------------------
// The app

interface KindRoute {
  kind: Kind;
  info: ApiKindInfo;
}

function kindTable(registry: ApiRegistry): Map<string, KindRoute> {
  const table = new Map<string, KindRoute>();
  for (const info of registry.kinds()) {
    const route = { kind: info.kind as Kind, info };
    for (const word of [info.plural, info.singular, info.kind, ...(info.shortNames ?? [])]) if (word) table.set(word.toLowerCase(), route);
  }
  return table;
}

/**
 * The API as a Hono app (no socket): `app.request()` in tests, `serveApi` for real.
 * @param ctx what the API reads and drives
 * @param opts auth: with `requireToken`, every route needs `Authorization: Bearer <token>` (or the
 *   cookie the dashboard gets from `/?token=…`)
 */
export function createApi(ctx: ApiContext, opts: ApiOptions): Hono {
  if (opts.requireToken && !opts.token) throw new Error('createApi: requireToken needs a token');
  const app = new Hono();
  const uiDir = opts.uiDir ?? defaultUiDir();
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const watches = new Set<WatchHandle>();
  let kinds: Map<string, KindRoute> | undefined;
  const kindsTable = (): Map<string, KindRoute> => (kinds ??= kindTable(ctx.registry));
  // Secrets can be added while the process runs (a new VM's password): read them per use, rebuild only on change.
  let cachedRedactor: { key: string; redactor: Redactor } | undefined;
  const redactor = (): Redactor => {
    const values = ctx.secretValues();
    const key = values.join('\u0000');
    if (cachedRedactor?.key !== key) cachedRedactor = { key, redactor: new Redactor(values) };
    return cachedRedactor.redactor;
  };

  const json = (c: Context, body: unknown, status = 200): Response =>
    c.newResponse(JSON.stringify(redactor().value(body)), status as 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });

  app.onError((err, c) => {
    if (err instanceof ApiError) return json(c, errorBody(err.code, err.message, err.details), err.status);
    if (err instanceof RequestLimitError) return json(c, errorBody(err.code, err.message), err.status);
    if (isStackOverflow(err)) return json(c, errorBody('BadRequest', 'the request is nested too deeply to process'), 400);
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof SpecPathError) return json(c, errorBody('PathOutsideSpecs', message), 400);
    if (err instanceof SpecEditError) return json(c, errorBody('SpecEditFailed', message), 409);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return json(c, errorBody('NotFound', message), 404);
    return json(c, errorBody('InternalError', `${message} (see the hostplane log for details)`), 500);
  });

  // --- guards: host header (DNS rebinding), auth, cross-site mutations ----------------------
  app.use('*', async (c, next) => {
    const requestHost = c.req.header('host') ?? new URL(c.req.url).host;
    const hostHeader = hostOfHeader(requestHost);
    if (!opts.requireToken && hostHeader && !isLoopbackHost(hostHeader)) {
      // Loopback without a token is safe only if a web page cannot reach us under another name.
      return json(c, errorBody('Forbidden', `Host "${hostHeader}" is not a loopback name; open the dashboard at http://127.0.0.1 or http://localhost`), 403);
    }
    if (opts.requireToken) {
      const auth = c.req.header('authorization');
      const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
      const cookie = cookieValue(c.req.header('cookie'), AUTH_COOKIE);
      const queryToken = c.req.method === 'GET' && !c.req.path.startsWith('/api/') ? c.req.query('token') : undefined;
      if (queryToken && sameSecret(queryToken, opts.token!)) {
        // The printed dashboard link carries the token once; trade it for a cookie and drop it from the URL.
        const url = new URL(c.req.url);
        url.searchParams.delete('token');
        return new Response(null, {
          status: 303,
          headers: { location: url.pathname + url.search, 'set-cookie': `${AUTH_COOKIE}=${encodeURIComponent(opts.token!)}; Path=/; HttpOnly; SameSite=Strict`, 'cache-control': 'no-store' },
        });
      }
      const ok = (bearer && sameSecret(bearer, opts.token!)) || (cookie && sameSecret(cookie, opts.token!));
      if (!ok) {
        c.header('www-authenticate', 'Bearer realm="hostplane"');
        const msg = bearer || cookie
          ? 'the token does not match; use the one in <state dir>/api-token'
          : 'this API listens beyond loopback and needs "Authorization: Bearer <token>"; the token is in <state dir>/api-token (open the dashboard with /?token=<token>)';
        return json(c, errorBody('Unauthorized', msg), 401);
      }
      if (!bearer && c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.header('x-hostplane-request') !== '1') {
        return json(c, errorBody('Forbidden', 'cookie-authenticated changes need the header "X-Hostplane-Request: 1"'), 403);
      }
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      const site = c.req.header('sec-fetch-site');
      let foreign = site === 'cross-site';
      if (origin && origin !== 'null') {
        try {
          foreign ||= new URL(origin).host !== requestHost;
        } catch {
          foreign = true;
        }
      } else if (origin === 'null') foreign = true;
      if (foreign) return json(c, errorBody('Forbidden', 'cross-site requests may not change hostplane objects'), 403);
    }
    await next();
  });

  // --- health and metrics --------------------------------------------------------------------
  app.get('/healthz', (c) => json(c, { status: 'ok', resourceVersion: String(ctx.store.resourceVersion) }));
  app.get('/metrics', (c) => c.newResponse(ctx.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }));

  // --- discovery -----------------------------------------------------------------------------
  app.get(`${API_PREFIX}/kinds`, (c) => {
    const items = ctx.registry.kinds().map((k) => ({ ...k, schema: ctx.registry.openApiSchema(k.kind as Kind) ?? null, references: ctx.kinds?.find((m) => m.kind === k.kind)?.references ?? [] }));
    return json(c, { apiVersion: 'v1', kind: 'KindList', items });
  });

  app.get(`${API_PREFIX}/host`, (c) => json(c, { apiVersion: 'v1', kind: 'HostCapacity', ...ctx.hostCapacity() }));

  mountDomainRoutes(app, ctx.domain ?? NO_DOMAIN_DATA, json, (kind, name) => ctx.store.get(kind, name) !== undefined);

  app.get(`${API_PREFIX}/spec-errors`, (c) => json(c, specErrorList(ctx.store.specErrors(), ctx.store.resourceVersion)));

  app.get(`${API_PREFIX}/events`, (c) => {
    const object = c.req.query('object') || undefined;
    const sinceRaw = c.req.query('sinceId');
    const sinceId = sinceRaw === undefined || sinceRaw === '' ? undefined : Number(sinceRaw);
    if (sinceId !== undefined && !Number.isFinite(sinceId)) throw new ApiError(400, 'BadRequest', `sinceId must be a number, got "${sinceRaw}"`);
    if (object !== undefined && !/^[A-Za-z]+\/[^/]+$/.test(object)) throw new ApiError(400, 'BadRequest', `object must look like Kind/name (for example VirtualMachine/dev-master), got "${object}"`);
    const items = ctx.events.list({ ...(object ? { object } : {}), ...(sinceId !== undefined ? { sinceId } : {}) });
    return json(c, { apiVersion: 'v1', kind: 'EventList', items });
  });

  // --- watch ---------------------------------------------------------------------------------
  app.get(`${API_PREFIX}/watch`, (c) => {
    const lastEventId = c.req.header('last-event-id');
    const rvRaw = lastEventId && lastEventId.trim() !== '' ? lastEventId : c.req.query('resourceVersion');
    let since: number | undefined;
    if (rvRaw !== undefined && rvRaw !== '') {
      since = Number(rvRaw);
      if (!Number.isSafeInteger(since) || since < 0) throw new ApiError(400, 'BadRequest', `resourceVersion must be a non-negative integer, got "${rvRaw}"`);
    }
    const evRaw = c.req.query('eventsSince');
    const eventsSinceId = evRaw !== undefined && evRaw !== '' && Number.isFinite(Number(evRaw)) ? Number(evRaw) : undefined;
    const handle: WatchHandle = openWatch(
      { store: ctx.store, events: ctx.events },
      { sinceResourceVersion: since, eventsSinceId, heartbeatMs, redactor, signal: c.req.raw.signal },
    );
    watches.add(handle);
    c.req.raw.signal?.addEventListener('abort', () => watches.delete(handle), { once: true });
    return handle.response;
  });

  // --- apply ---------------------------------------------------------------------------------
  app.post(`${API_PREFIX}/apply`, async (c) => {
    const fileParam = c.req.query('file');
    checkFileParam(fileParam);
    const len = Number(c.req.header('content-length') ?? '0');
    if (len > maxBody) throw new ApiError(413, 'TooLarge', `the body is ${len} bytes; the limit is ${maxBody} bytes`);
    // Streamed and cut off at the limit: a chunked body has no length to check up front.
    const text = await readBodyBounded(c.req.raw.body, maxBody);
    const docs = parseBody(text, c.req.header('content-type') ?? '');
    const file = fileParam ? safeSpecPath(ctx.specsDir, fileParam) : undefined;

    // Validate everything before writing anything: an apply is all or nothing.
    const issues: { document: number; object?: string; field: string; message: string }[] = [];
    const valid: { doc: ApplyObjectInput; kind: Kind; name: string }[] = [];
    docs.forEach((doc, i) => {
      const placeholders = findRedactedPlaceholders(doc);
      for (const p of placeholders) issues.push({ document: i, field: p, message: 'holds the redaction placeholder from an API response; put the real value (or a secret reference) back' });
      const res = ctx.registry.validate(doc);
      const kind = (doc as { kind?: unknown }).kind;
      const name = (doc as { metadata?: { name?: unknown } }).metadata?.name;
      const label = typeof kind === 'string' && typeof name === 'string' ? `${kind}/${name}` : undefined;
      if (!res.ok) {
        for (const is of res.issues) issues.push({ document: i, ...(label ? { object: label } : {}), field: is.field, message: is.message });
        return;
      }
      if (placeholders.length) return;
      valid.push({ doc: specDocument(doc as Record<string, unknown>), kind: kind as Kind, name: name as string });
    });
    if (issues.length) {
      const first = issues[0];
      const where = first.object ? `${first.object}: ` : docs.length > 1 ? `document ${first.document + 1}: ` : '';
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
      throw new ApiError(422, 'Invalid', `${where}${first.field || '(document)'}: ${first.message}${more}`, { issues });
    }
    const seen = new Set<string>();
    for (const v of valid) {
      const key = objectKey(v.kind, v.name);
      if (seen.has(key)) throw new ApiError(422, 'Invalid', `${key} appears twice in the body`, { issues: [{ field: 'metadata.name', message: 'duplicate' }] });
      seen.add(key);
    }
    // An existing object is rewritten where it lives; a new one goes to ?file= or the default file.
    // All documents are planned before any file is written, so a failing one leaves the disk as it was.
    const sources = valid.map((v) => ctx.store.sourceOf(v.kind, v.name));
    const written = applyObjects(
      ctx.specsDir,
      valid.map((v, i) => {
        const target = sources[i]?.file ?? file;
        return target ? { obj: v.doc, file: target } : { obj: v.doc };
      }),
    );
    const results: { object: string; file: string; action: 'created' | 'configured' | 'unchanged' }[] = valid.map((v, i) => ({
      object: objectKey(v.kind, v.name),
      file: written[i].file,
      action: written[i].action === 'unchanged' ? 'unchanged' : sources[i] ? 'configured' : 'created',
    }));
    return json(c, { apiVersion: 'v1', kind: 'Status', status: 'Success', message: results.map((r) => `${r.object} ${r.action}${r.file ? ` in ${r.file}` : ''}`).join('; '), items: results }, 200);
  });

  // --- per-kind routes -----------------------------------------------------------------------
  const route = (plural: string): KindRoute => {
    const r = kindsTable().get(plural.toLowerCase());
    if (!r) {
      const known = [...new Set([...kindsTable().values()].map((k) => k.info.plural))].join(', ');
      throw new ApiError(404, 'NotFound', `unknown resource type "${plural}"; known: ${known}`);
    }
    return r;
  };
  const mustGet = (plural: string, name: string): { r: KindRoute; obj: HostObject } => {
    const r = route(plural);
    const obj = ctx.store.get(r.kind, name);
    if (!obj) throw new ApiError(404, 'NotFound', `${r.kind} "${name}" not found; list them with GET ${API_PREFIX}/${r.info.plural}`);
    return { r, obj };
  };
  const mustSource = (r: KindRoute, name: string): { file: string; line: number; col: number } => {
    const src = ctx.store.sourceOf(r.kind, name);
    if (!src) throw new ApiError(409, 'NoSpecFile', `${r.kind} "${name}" has no spec document on disk (it is being deleted); nothing to edit`);
    safeSpecPath(ctx.specsDir, src.file);
    return src;
  };

  app.get(`${API_PREFIX}/:plural`, (c) => {
    const r = route(c.req.param('plural'));
    // ?labelSelector= as kubectl's -l (the CLI's parser): k=v, k!=v, k in (a,b), k notin (a), k, !k
    let reqs: LabelRequirement[] = [];
    try {
      reqs = parseLabelSelector(c.req.query('labelSelector') ?? '');
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      throw new ApiError(400, 'BadRequest', `labelSelector: ${e.message}`);
    }
    const items = ctx.store.list(r.kind).filter((o) => matchesLabels(o.metadata.labels, reqs));
    return json(c, { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(ctx.store.resourceVersion) }, items });
  });

  app.get(`${API_PREFIX}/:plural/:name`, (c) => json(c, mustGet(c.req.param('plural'), c.req.param('name')).obj));

  app.get(`${API_PREFIX}/:plural/:name/source`, (c) => {
    const { r, obj } = mustGet(c.req.param('plural'), c.req.param('name'));
    const src = ctx.store.sourceOf(r.kind, obj.metadata.name);
    return json(c, { apiVersion: 'v1', kind: 'SourcePosition', object: objectKey(r.kind, obj.metadata.name), ...(src ?? {}), specErrors: ctx.store.specErrorsFor(r.kind, obj.metadata.name) });
  });

  app.delete(`${API_PREFIX}/:plural/:name`, async (c) => {
    const { r, obj } = mustGet(c.req.param('plural'), c.req.param('name'));
    const src = mustSource(r, obj.metadata.name);
    // Asked for by name: the mass-deletion guard must not hold it back (announced before the edit).
    recordDeletionIntent(ctx.stateDir, objectKey(r.kind, obj.metadata.name));
    deleteObject(ctx.specsDir, src.file, r.kind, obj.metadata.name);
    return json(c, status(202, `${r.kind}/${obj.metadata.name} removed from ${src.file}; hostplane tears it down next`, { file: src.file }), 202);
  });

  app.get(`${API_PREFIX}/:plural/:name/reconcile`, (c) => {
    const { r, obj } = mustGet(c.req.param('plural'), c.req.param('name'));
    const key = objectKey(r.kind, obj.metadata.name);
    const info = ctx.reconcileInfo(key);
    return json(c, { apiVersion: 'v1', kind: 'ReconcileInfo', object: key, lastReconcile: info.lastReconcile ?? null, inFlight: info.inFlight });
  });

  app.post(`${API_PREFIX}/:plural/:name/reconcile`, (c) => {
    const { r, obj } = mustGet(c.req.param('plural'), c.req.param('name'));
    const key = objectKey(r.kind, obj.metadata.name);
    // A user's request: reconcilers that keep a retry budget (the Addon) reset it for this one.
    markReconcileRequested(ctx.stateDir, key);
    if (!ctx.reconcileNow(key)) throw new ApiError(404, 'NotFound', `${key} is not known to the controller`);
    return json(c, status(202, `${key} queued for reconcile`), 202);
  });

  // Flux's suspend/resume: a runtime hold kept in the state dir (it survives a restart of `up`), never
  // an edit of the spec file, so git stays clean; `spec.suspend` in the file is the declarative form.
  for (const [verb, value] of [['suspend', true], ['resume', false]] as const) {
    app.post(`${API_PREFIX}/:plural/:name/${verb}`, async (c) => {
      const { r, obj } = mustGet(c.req.param('plural'), c.req.param('name'));
      const key = objectKey(r.kind, obj.metadata.name);
      setSuspended(ctx.stateDir, key, value);
      ctx.reconcileNow(key);
      return json(c, status(202, `${key} ${value ? 'suspended' : 'resumed'} (held in the state dir; the spec file is unchanged)`, { suspended: value }), 202);
    });
  }

  // Routes a kind adds through its module (e.g. a LoadTest's run), for its own objects only.
  for (const m of ctx.kinds ?? []) {
    for (const kr of m.routes ?? []) {
      const path = `${API_PREFIX}/:plural/:name/${kr.path}`;
      const handler = async (c: Context) => {
        const { r, obj } = mustGet(c.req.param('plural')!, c.req.param('name')!);
        if (r.kind !== m.kind) throw new ApiError(404, 'NotFound', `no route ${c.req.method} ${c.req.path}`);
        const res = await kr.handle(obj, { stateRoot: ctx.stateDir.root, reconcileNow: ctx.reconcileNow, query: c.req.query() });
        if (res.contentType) {
          const headers: Record<string, string> = { 'content-type': res.contentType };
          if (res.filename) headers['content-disposition'] = `attachment; filename="${res.filename.replace(/["\\\r\n]/g, '_')}"`;
          return c.body(String(res.body), res.status as 200, headers);
        }
        return json(c, res.body, res.status as 200);
      };
      if (kr.method === 'GET') app.get(path, handler);
      else app.post(path, handler);
    }
  }

  app.all(`${API_PREFIX}/*`, (c) => json(c, errorBody('NotFound', `no route ${c.req.method} ${c.req.path}; see GET ${API_PREFIX}/kinds`), 404));

  // --- the dashboard -------------------------------------------------------------------------
  app.get('*', (c) => staticResponse(uiDir, c.req.path));
  app.notFound((c) => json(c, errorBody('NotFound', `no route ${c.req.method} ${c.req.path}`), 404));

  // Lets serveApi end open watch streams on close.
  watchClosers.set(app, () => {
    for (const w of watches) w.close();
    watches.clear();
  });
  return app;
}

function status(code: number, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Status', status: 'Success', code, message, ...extra };
}

function specErrorList(errors: SpecError[], rv: number): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'SpecErrorList', metadata: { resourceVersion: String(rv) }, items: errors };
}

/** YAML (multi-document) or JSON (an object, an array, or a List). */
function parseBody(text: string, contentType: string): unknown[] {
  if (!text.trim()) throw new ApiError(400, 'BadRequest', 'the body is empty; send YAML or JSON documents');
  let docs: unknown[];
  if (/json/i.test(contentType) || /^\s*[[{]/.test(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      if (isStackOverflow(err)) throw new ApiError(400, 'BadRequest', 'the body is nested too deeply to parse');
      throw new ApiError(400, 'BadRequest', `the body is not valid JSON: ${(err as Error).message}`);
    }
    checkDepth(parsed);
    docs = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' && (parsed as { kind?: string }).kind === 'List' ? ((parsed as { items?: unknown[] }).items ?? []) : [parsed];
  } else {
    let parsed: ReturnType<typeof parseAllDocuments>;
    try {
      parsed = parseAllDocuments(text);
    } catch (err) {
      if (isStackOverflow(err)) throw new ApiError(400, 'BadRequest', 'the body is nested too deeply to parse');
      throw new ApiError(400, 'BadRequest', `the body is not valid YAML: ${(err as Error).message}`);
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    docs = [];
    for (const d of list) {
      if (d.errors.length) {
        const e = d.errors[0];
        const pos = e.linePos?.[0];
        throw new ApiError(400, 'BadRequest', `the body is not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${e.message.split('\n')[0]}`);
      }
      let v: unknown;
      try {
        // Aliases are expanded here: a "billion laughs" document must stop early, not fill memory.
        v = d.toJS({ maxAliasCount: 100 });
      } catch (err) {
        if (isStackOverflow(err)) throw new ApiError(400, 'BadRequest', 'the body is nested too deeply to parse');
        throw new ApiError(400, 'BadRequest', `the body cannot be read as YAML: ${(err as Error).message} (YAML aliases are limited to 100 uses)`);
      }
      checkDepth(v);
      if (v !== null && v !== undefined) docs.push(v);
    }
  }
  if (!docs.length) throw new ApiError(400, 'BadRequest', 'the body holds no documents');
  docs.forEach((d, i) => {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      throw new ApiError(400, 'BadRequest', `document ${i + 1} is ${d === null ? 'null' : Array.isArray(d) ? 'a list' : `a ${typeof d}`}; each document must be a mapping with apiVersion, kind, metadata and spec`);
    }
  });
  return docs;
}

/** What an applied document keeps: identity, labels, annotations and spec. Status and server-set metadata never go to disk. */
function specDocument(doc: Record<string, unknown>): ApplyObjectInput {
  const meta = (doc.metadata ?? {}) as { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  const metadata: ApplyObjectInput['metadata'] = { name: meta.name };
  if (meta.labels && typeof meta.labels === 'object' && Object.keys(meta.labels).length) metadata.labels = meta.labels;
  if (meta.annotations && typeof meta.annotations === 'object' && Object.keys(meta.annotations).length) metadata.annotations = meta.annotations;
  return { apiVersion: String(doc.apiVersion), kind: String(doc.kind), metadata, spec: (doc.spec ?? {}) as Record<string, unknown> };
}

/**
 * Listens on `listen`. Beyond loopback a token is required: it is read from or created in
 * `<stateDir>/api-token` (0600) and returned so the caller prints it once.
 */
export async function serveApi(ctx: ApiContext, opts: ServeOptions): Promise<ServedApi> {
  const { host, port } = parseListen(opts.listen);
  const requireToken = !isLoopbackHost(host);
  const token = requireToken ? loadOrCreateToken(ctx.stateDir) : undefined;
  const app = createApi(ctx, { token, requireToken, uiDir: opts.uiDir, heartbeatMs: opts.heartbeatMs });
  const server = await new Promise<ServerType>((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolveServer(s));
    s.once('error', reject);
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `http://${urlHost}:${addr.port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    ...(token ? { token } : {}),
    close() {
      closing ??= new Promise<void>((done) => {
        watchClosers.get(app)?.();
        server.close(() => done());
        const s = server as ServerType & { closeAllConnections?: () => void };
        s.closeAllConnections?.();
      });
      return closing;
    },
  };
}
