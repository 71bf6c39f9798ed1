// Flows the stand-in Hubble relay serves: generated from a cluster's Services and the pods behind
// them, with verdicts from the CiliumNetworkPolicies actually applied (policy.ts). Field names
// follow Hubble's observer API (Flow: time, verdict, drop_reason_desc, source, destination, l4,
// l7, destination_service, traffic_direction), in camelCase as the JSON mapping writes them.
import { ingressVerdict, selects, type Endpoint } from './policy.js';
import type { Flow, FlowEndpoint } from '../../api/dashboard.js';

export type { Flow, FlowEndpoint };

type Obj = Record<string, any>;

export interface ModelPod {
  namespace: string;
  name: string;
  phase: string;
  labels: Record<string, string>;
}

export interface ModelService {
  namespace: string;
  name: string;
  type: string;
  selector: Record<string, string>;
  ports: Array<{ port: number; protocol: string }>;
}

const WORLD: FlowEndpoint = { namespace: '', podName: '', labels: ['reserved:world'] };

function fe(p: ModelPod): FlowEndpoint {
  return { namespace: p.namespace, podName: p.name, labels: Object.entries(p.labels).map(([k, v]) => `k8s:${k}=${v}`).sort() };
}

function ep(p: ModelPod): Endpoint {
  return { namespace: p.namespace, labels: p.labels };
}

/**
 * One round of traffic: world → NodePort services, load generators and a same-namespace peer →
 * every service, nginx-web → httpbin (GET and POST), a pod of another namespace → each service,
 * every namespace → kube-dns. `round` varies which pods speak; at most `limit` flows.
 */
export function generateFlows(input: { pods: ModelPod[]; services: ModelService[]; policies: Obj[] }, now: Date, round: number, limit = 80): Flow[] {
  const running = input.pods.filter((p) => p.phase === 'Running');
  const pick = <T>(xs: T[], salt: number): T | undefined => (xs.length ? xs[(round + salt) % xs.length] : undefined);
  const out: Flow[] = [];
  const emit = (from: ModelPod | 'world', svc: ModelService, backend: ModelPod, port: number, protocol: 'TCP' | 'UDP', method?: string, url = '/') => {
    if (out.length >= limit) return;
    const v = ingressVerdict(input.policies, {
      from: from === 'world' ? { labels: {}, entity: 'world' } : ep(from),
      to: { namespace: backend.namespace, labels: backend.labels },
      port,
      protocol,
      httpMethod: method,
    });
    out.push({
      time: new Date(now.getTime() + out.length).toISOString(),
      verdict: v.verdict,
      ...(v.reason ? { dropReasonDesc: v.reason } : {}),
      source: from === 'world' ? WORLD : fe(from),
      destination: fe(backend),
      destinationService: { namespace: svc.namespace, name: svc.name },
      l4: { protocol, destinationPort: port },
      ...(method ? { l7: { http: { method, url } } } : {}),
      trafficDirection: 'INGRESS',
      isReply: false,
    });
  };
  const backends = (s: ModelService) => (Object.keys(s.selector).length ? running.filter((p) => p.namespace === s.namespace && selects({ matchLabels: s.selector }, p.labels)) : []);
  const loadGens = running.filter((p) => p.namespace === 'loadtest' || p.labels['app.kubernetes.io/name'] === 'k6');
  const nginx = running.filter((p) => p.labels.app === 'nginx-web');
  for (const [i, s] of input.services.entries()) {
    const bs = backends(s);
    const b = pick(bs, i);
    const port = s.ports[0];
    if (!b || !port) continue;
    const proto = port.protocol === 'UDP' ? 'UDP' : 'TCP';
    const http = proto === 'TCP' && [80, 443, 3000, 8080].includes(port.port) ? 'GET' : undefined; // L7 visibility on HTTP ports only
    if (s.name === 'kube-dns') {
      const nss = [...new Set(running.map((p) => p.namespace))];
      for (const [j, ns] of nss.entries()) {
        const c = pick(running.filter((p) => p.namespace === ns), j);
        if (c) emit(c, s, b, 53, 'UDP');
      }
      continue;
    }
    if (s.type === 'NodePort' || s.type === 'LoadBalancer') emit('world', s, b, port.port, proto, http);
    const lg = pick(loadGens, i);
    if (lg) emit(lg, s, b, port.port, proto, http);
    const peer = pick(running.filter((p) => p.namespace === s.namespace && p !== b), i);
    if (peer) emit(peer, s, b, port.port, proto, http);
    const other = pick(running.filter((p) => p.namespace !== s.namespace && p.namespace !== 'loadtest'), i + round);
    if (other) emit(other, s, b, port.port, proto, http);
    if (bs.some((p) => p.labels.app === 'httpbin')) {
      const n = pick(nginx, i);
      if (n) {
        emit(n, s, b, port.port, 'TCP', 'GET', '/get');
        emit(n, s, b, port.port, 'TCP', 'POST', '/post');
      }
    }
  }
  return out;
}
