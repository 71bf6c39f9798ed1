// The dashboard's domain data: guest metrics per VM, cluster inventory, service URLs, HPA history
// and traffic, all read from collectors the app runs (collected once, never per request). The
// server only knows this interface; src/app/collectors implements it. Sizes are bounded here too.
import type { Context, Hono } from 'hono';

/** What the domain routes read; every method answers from memory. `undefined` means unknown name. */
export interface DomainData {
  vmMetrics(vm: string, limit: number): unknown;
  inventory(cluster: string): unknown;
  urls(cluster: string): unknown[] | undefined;
  scaling(cluster: string, limit: number): unknown;
  traffic(cluster: string, since?: number): unknown;
  /** Per-cluster traffic summaries (no flow lists). */
  trafficAll(): unknown[];
  /** Overview cards: one per watched cluster, plus each VM's newest guest sample. */
  summary(): unknown;
}

const API = '/api/v1';
export const MAX_SAMPLES = 360;

type Json = (c: Context, body: unknown, status?: number) => Response;

function limitOf(c: Context): number {
  const n = Number(c.req.query('limit') ?? MAX_SAMPLES);
  return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_SAMPLES) : MAX_SAMPLES;
}

function notFound(json: Json, c: Context, what: string): Response {
  return json(c, { error: { code: 'NotFound', message: `${what}: nothing collected (not running, not Ready, or no such name)` } }, 404);
}

/** Mounts the routes; call before the generic /:plural routes so `traffic` is not taken for a kind. */
export function mountDomainRoutes(app: Hono, data: DomainData, json: Json, exists: (kind: 'VirtualMachine' | 'Cluster', name: string) => boolean = () => false): void {
  app.get(`${API}/dashboard/summary`, (c) => json(c, { apiVersion: 'v1', kind: 'DashboardSummary', ...(data.summary() as object) }));
  app.get(`${API}/traffic`, (c) => json(c, { apiVersion: 'v1', kind: 'TrafficSummaryList', items: data.trafficAll() }));
  app.get(`${API}/virtualmachines/:name/metrics`, (c) => vmMetrics(c));
  app.get(`${API}/vms/:name/metrics`, (c) => vmMetrics(c));
  const vmMetrics = (c: Context) => {
    const name = c.req.param('name')!;
    const m = data.vmMetrics(name, limitOf(c));
    // A VM that exists but is not read (stopped, or no collector): an empty series, not an error.
    if (m === undefined && exists('VirtualMachine', name)) return json(c, { apiVersion: 'v1', kind: 'GuestMetrics', vm: name, updatedAt: null, error: null, ports: [], samples: [] });
    return m === undefined ? notFound(json, c, `VirtualMachine/${name}`) : json(c, { apiVersion: 'v1', kind: 'GuestMetrics', ...(m as object) });
  };
  for (const plural of ['clusters', 'cluster']) {
    app.get(`${API}/${plural}/:name/inventory`, (c) => {
      const inv = data.inventory(c.req.param('name'));
      return inv === undefined ? notFound(json, c, `Cluster/${c.req.param('name')}`) : json(c, { apiVersion: 'v1', kind: 'ClusterInventory', ...(inv as object) });
    });
    app.get(`${API}/${plural}/:name/urls`, (c) => {
      const urls = data.urls(c.req.param('name'));
      return urls === undefined ? notFound(json, c, `Cluster/${c.req.param('name')}`) : json(c, { apiVersion: 'v1', kind: 'ServiceUrlList', items: urls });
    });
    app.get(`${API}/${plural}/:name/scaling`, (c) => {
      const s = data.scaling(c.req.param('name'), limitOf(c));
      return s === undefined ? notFound(json, c, `Cluster/${c.req.param('name')}`) : json(c, { apiVersion: 'v1', kind: 'ScalingHistory', ...(s as object) });
    });
    app.get(`${API}/${plural}/:name/traffic`, (c) => {
      const since = c.req.query('since') ? Date.parse(c.req.query('since')!) : undefined;
      const t = data.traffic(c.req.param('name'), since !== undefined && Number.isFinite(since) ? since : undefined);
      return t === undefined ? notFound(json, c, `Cluster/${c.req.param('name')}`) : json(c, { apiVersion: 'v1', kind: 'TrafficView', ...(t as object) });
    });
  }
}

/** When no collectors run (bare API tests, `up --listen` without them): empty lists, unknown names. */
export const NO_DOMAIN_DATA: DomainData = {
  vmMetrics: () => undefined,
  inventory: () => undefined,
  urls: () => undefined,
  scaling: () => undefined,
  traffic: () => undefined,
  trafficAll: () => [],
  summary: () => ({ clusters: [], vms: [] }),
};
