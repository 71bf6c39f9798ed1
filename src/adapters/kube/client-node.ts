// The kube port on @kubernetes/client-node 1.3.0, one instance per cluster (KubeConfig from the
// cluster's kubeconfig file). Generic objects go through KubernetesObjectApi (discovery resolves
// kind → resource); nodes, logs and evictions through CoreV1Api; watches through Watch.
import https from 'node:https';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  Watch,
  type KubernetesObject,
  type V1Node,
} from '@kubernetes/client-node';
import {
  type ApplyOptions,
  KubeError,
  type KubeErrorKind,
  type KubeObject,
  type KubePort,
  type ListQuery,
  type LogOptions,
  type NodeSummary,
  type ObjectRef,
  type WatchEventType,
  type WatchHandle,
} from '../../ports/kube.js';

/** KubernetesObjectApi with its kind → resource lookup made reachable (for watch URLs). */
class ObjectsApi extends KubernetesObjectApi {
  init(kc: KubeConfig): this {
    this.setDefaultNamespace(kc);
    return this;
  }
  async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    let res;
    try {
      res = await this.resource(apiVersion, kind);
    } catch (err) {
      const e = toKubeError(err, `discover ${kind} in ${apiVersion}`);
      if (e.kind !== 'NotFound') throw e;
    }
    // reason NoKind: the kind itself is unknown (CRD missing), not just the object.
    if (!res) throw new KubeError('NotFound', `the server has no resource for ${kind} in ${apiVersion} (is its CRD installed?)`, 404, 'NoKind');
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return `${base}${res.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${res.name}`;
  }
}

interface StatusBody {
  reason?: string;
  message?: string;
  code?: number;
}

function statusOf(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body.slice(0, 300) };
    }
  }
  return (body ?? {}) as StatusBody;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** Any client-node / network error → KubeError a reconciler can branch on. */
export function toKubeError(err: unknown, what: string): KubeError {
  if (err instanceof KubeError) return err;
  if (err instanceof ApiException) {
    const st = statusOf(err.body);
    const code = err.code;
    const kind: KubeErrorKind =
      code === 404
        ? 'NotFound'
        : code === 409
          ? st.reason === 'AlreadyExists'
            ? 'AlreadyExists'
            : 'Conflict'
          : code === 422 || code === 400
            ? 'Invalid'
            : code === 403
              ? 'Forbidden'
              : code === 401
                ? 'Unauthorized'
                : code === 429
                  ? 'Conflict'
                  : code === 504
                    ? 'Timeout'
                    : 'Unknown';
    const reason = st.reason ?? (code === 429 ? 'TooManyRequests' : undefined);
    return new KubeError(kind, `${what}: ${st.message ?? err.message} (HTTP ${code}${reason ? ` ${reason}` : ''})`, code, reason);
  }
  const e = err as { code?: string; cause?: { code?: string }; message?: string; type?: string; statusCode?: number };
  const netCode = e.code ?? e.cause?.code;
  if ((netCode && NETWORK_CODES.has(netCode)) || e.type === 'system' || /ECONNREFUSED|socket hang up|fetch failed/.test(e.message ?? '')) {
    return new KubeError('Unreachable', `${what}: cluster API unreachable (${netCode ?? e.message})`);
  }
  if (e.statusCode) return new KubeError(e.statusCode === 410 ? 'Conflict' : 'Unknown', `${what}: HTTP ${e.statusCode} ${e.message ?? ''}`.trim(), e.statusCode, e.statusCode === 410 ? 'Expired' : undefined);
  return new KubeError('Unknown', `${what}: ${e.message ?? String(err)}`);
}

function refText(r: { kind: string; name?: string; namespace?: string }): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name ?? ''}`.trim();
}

function header(ref: ObjectRef): KubernetesObject {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}

function summarizeNode(n: V1Node): NodeSummary {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name: n.metadata?.name ?? '',
    ready: ready?.status === 'True',
    readyReason: ready?.status === 'True' ? undefined : [ready?.reason, ready?.message].filter(Boolean).join(': ') || 'no Ready condition',
    unschedulable: n.spec?.unschedulable === true,
    internalIP: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
    kubeletVersion: n.status?.nodeInfo?.kubeletVersion,
    labels: n.metadata?.labels ?? {},
    taints: (n.spec?.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
  };
}

export interface ClientNodeKubeOptions {
  /** Path of the cluster's kubeconfig. */
  kubeconfig: string;
  context?: string;
}

export class ClientNodeKube implements KubePort {
  readonly kc: KubeConfig;
  private readonly objects: ObjectsApi;
  private readonly core: CoreV1Api;

  constructor(opts: ClientNodeKubeOptions) {
    this.kc = new KubeConfig();
    this.kc.loadFromFile(opts.kubeconfig);
    if (opts.context) this.kc.setCurrentContext(opts.context);
    this.objects = this.kc.makeApiClient(ObjectsApi).init(this.kc);
    this.core = this.kc.makeApiClient(CoreV1Api);
  }

  private server(): string {
    const c = this.kc.getCurrentCluster();
    if (!c) throw new KubeError('Unknown', 'the kubeconfig has no current cluster');
    return c.server;
  }

  async readyz(o: { timeoutMs?: number } = {}): Promise<{ ok: boolean; reason?: string }> {
    let url: URL;
    try {
      url = new URL('/readyz', this.server());
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
    const opts: https.RequestOptions = { method: 'GET', hostname: url.hostname, port: url.port || 443, path: url.pathname, timeout: o.timeoutMs ?? 5000 };
    await this.kc.applyToHTTPSOptions(opts);
    return new Promise((resolve) => {
      const req = https.request(opts, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c;
        });
        res.on('end', () => resolve(res.statusCode === 200 ? { ok: true } : { ok: false, reason: `HTTP ${res.statusCode}: ${body.trim().slice(0, 300)}` }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in ${o.timeoutMs ?? 5000} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, reason: `${url.host} unreachable: ${err.code ?? err.message}` }));
      req.end();
    });
  }

  async serverVersion(): Promise<{ gitVersion: string; major: string; minor: string }> {
    try {
      const v = await this.kc.makeApiClient(VersionApi).getCode();
      return { gitVersion: v.gitVersion, major: v.major, minor: v.minor };
    } catch (err) {
      throw toKubeError(err, 'GET /version');
    }
  }

  async listNodes(): Promise<NodeSummary[]> {
    try {
      return (await this.core.listNode()).items.map(summarizeNode);
    } catch (err) {
      throw toKubeError(err, 'list nodes');
    }
  }

  async apply(obj: KubeObject, o: ApplyOptions = {}): Promise<KubeObject> {
    try {
      return (await this.objects.patch(obj as KubernetesObject, undefined, o.dryRun ? 'All' : undefined, o.fieldManager ?? 'hostplane', o.force ?? false, PatchStrategy.ServerSideApply)) as KubeObject;
    } catch (err) {
      throw toKubeError(err, `apply ${refText({ kind: obj.kind, ...obj.metadata })}`);
    }
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    try {
      return (await this.objects.create(obj as KubernetesObject)) as KubeObject;
    } catch (err) {
      throw toKubeError(err, `create ${refText({ kind: obj.kind, ...obj.metadata })}`);
    }
  }

  /** Undefined only when the object is missing; an unknown kind throws (reason NoKind). */
  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    await this.objects.collectionPath(ref.apiVersion, ref.kind);
    try {
      return (await this.objects.read(header(ref) as KubernetesObject & { metadata: { name: string } })) as KubeObject;
    } catch (err) {
      const e = toKubeError(err, `get ${refText(ref)}`);
      if (e.kind === 'NotFound') return undefined;
      throw e;
    }
  }

  async list(q: ListQuery): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    try {
      const res = await this.objects.list(q.apiVersion, q.kind, q.namespace, undefined, undefined, undefined, q.fieldSelector, q.labelSelector);
      return { items: res.items as KubeObject[], resourceVersion: res.metadata?.resourceVersion ?? '' };
    } catch (err) {
      throw toKubeError(err, `list ${q.kind}${q.namespace ? ` in ${q.namespace}` : ''}`);
    }
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    try {
      const body = { ...patch, ...header(ref), metadata: { ...((patch.metadata as object) ?? {}), ...header(ref).metadata } } as KubernetesObject;
      return (await this.objects.patch(body, undefined, undefined, 'hostplane', undefined, PatchStrategy.MergePatch)) as KubeObject;
    } catch (err) {
      throw toKubeError(err, `patch ${refText(ref)}`);
    }
  }

  async delete(ref: ObjectRef, o: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; gracePeriodSeconds?: number } = {}): Promise<boolean> {
    try {
      await this.objects.delete(header(ref), undefined, undefined, o.gracePeriodSeconds, undefined, o.propagationPolicy ?? 'Background');
      return true;
    } catch (err) {
      const e = toKubeError(err, `delete ${refText(ref)}`);
      if (e.kind === 'NotFound') return false;
      throw e;
    }
  }

  async evict(pod: { name: string; namespace: string }): Promise<void> {
    try {
      await this.core.createNamespacedPodEviction({
        name: pod.name,
        namespace: pod.namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace } },
      });
    } catch (err) {
      throw toKubeError(err, `evict pod ${pod.namespace}/${pod.name}`);
    }
  }

  async podLogs(pod: { name: string; namespace: string }, o: LogOptions = {}): Promise<string> {
    try {
      return await this.core.readNamespacedPodLog({ name: pod.name, namespace: pod.namespace, container: o.container, tailLines: o.tailLines, sinceSeconds: o.sinceSeconds, previous: o.previous });
    } catch (err) {
      throw toKubeError(err, `logs of pod ${pod.namespace}/${pod.name}`);
    }
  }

  async watch(q: ListQuery & { resourceVersion?: string }, onEvent: (type: WatchEventType, obj: KubeObject) => void): Promise<WatchHandle> {
    const path = await this.objects.collectionPath(q.apiVersion, q.kind, q.namespace).catch((err: unknown) => {
      throw toKubeError(err, `watch ${q.kind}`);
    });
    let settle!: (err?: KubeError) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    let controller: AbortController | undefined;
    let stopped = false;
    controller = await new Watch(this.kc).watch(
      path,
      { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector, resourceVersion: q.resourceVersion, allowWatchBookmarks: true },
      (type, obj) => {
        if (type === 'ERROR') {
          const st = (obj ?? {}) as StatusBody;
          settle(new KubeError(st.code === 410 ? 'Conflict' : 'Unknown', `watch ${q.kind}: ${st.message ?? 'error event'}`, st.code, st.code === 410 ? 'Expired' : st.reason));
          controller?.abort();
          return;
        }
        onEvent(type as WatchEventType, obj as KubeObject);
      },
      (err) => {
        if (!err || stopped || (err as Error).name === 'AbortError') settle();
        else settle(toKubeError(err, `watch ${q.kind}`));
      },
    );
    // Callers that never await `done` must not see an unhandled rejection.
    done.catch(() => undefined);
    return {
      done,
      stop: async () => {
        stopped = true;
        controller?.abort();
        await done.catch(() => undefined);
      },
    };
  }
}
