// The Cluster reconciler: observe (spec, VMs, record, guest facts, API) → one chain of steps, each
// doing one action or waiting → one status computation (status.ts). Steps follow reference §2.8:
// validate → power → infrastructure → node preparation → init once → kubeconfig → CNI → workers
// (join / drain+reset) → health. Deletion: wait for referrers, bounded reset on every node this
// cluster initialised or joined (its record; a cluster that never did resets nothing), remove
// the kubeconfig and the merged context; the VMs stay.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HostObject, Kind } from '../../api/types.js';
import { objectKey, parseObjectKey } from '../../api/types.js';
import type { ReconcileResult } from '../../controllers/controller.js';
import { concurrently, errorMessage, runChain, StepError, TerminalError, waitFor, proceed, writeStatus, type ChainOutcome, type Step } from '../../controllers/framework.js';
import type { KindRuntime } from '../../controllers/kind-module.js';
import { referenceProblem } from '../../controllers/reference-check.js';
import { PowerHolds } from '../../controllers/power-holds.js';
import type { GuestTarget } from '../../ports/guest-exec.js';
import type { HostPorts } from '../../ports/index.js';
import type { KubePort, NodeSummary, WatchHandle } from '../../ports/kube.js';
import { checkAddressDrift, renderRepairScript } from './address-drift.js';
import { ciliumValues } from './cilium-values.js';
import { decideInit, INIT_DONE_SENTINEL, INIT_STARTED_SENTINEL, SENTINEL_DIR } from './init-state.js';
import { renderKubeadmInitConfig, renderKubeadmJoinConfig } from './kubeadm-config.js';
import { parseCertExpiration, parseJoinCommand } from './kubeadm-output.js';
import { defaultContextName, mergeKubeconfig, removeKubeconfigContext, rewriteAdminKubeconfig } from './kubeconfig.js';
import { classifyNodeChange, recreatedControlPlaneDecision, recreatedWorkerMessage } from './node-identity.js';
import { renderNodePrepSteps, renderStepScript } from './node-prep-script.js';
import { initialisedVmOf, kubeconfigPathOf, ownedVmsOf, readClusterRecord, removeClusterFiles, writeClusterRecord, writeFileAtomic, type ClusterRecord } from './records.js';
import { nodesToReset, nothingToResetMessage, resetNodeScript } from './deletion-plan.js';
import type { ClusterSpec } from './spec-types.js';
import { withClusterDefaults } from './spec-types.js';
import { computeClusterStatus, type ClusterFacts } from './status.js';
import { decideCertRenewal, describeUpgradeStep, parseRenewBefore, planUpgrade, renderCertRenewalScript, UPGRADE_STEP_EVENT, renderUpgradeStepScript, type UpgradeStep } from './upgrade-plan.js';
import { summarizeProblems, validateCluster } from './validate.js';
import { parseKubeVersion } from './versions.js';
import { vmNetworksFor } from './vm-networks.js';

export interface ClusterOptions {
  /** Poll interval of a converged cluster (default 30 s). */
  pollIntervalMs?: number;
  /** Requeue while waiting on something (default 2 s). */
  waitMs?: number;
  /** Drain timeout per removed worker (default 60 s). */
  drainTimeoutMs?: number;
  /** Home whose ~/.kube/config gets merged contexts (tests use a temp dir). */
  home?: string;
  /** How often certificate expiry is read with kubeadm certs check-expiration (default 6 h). */
  certCheckIntervalMs?: number;
}

interface Scope {
  rt: KindRuntime;
  ports: HostPorts;
  o: Required<Omit<ClusterOptions, 'home'>> & { home: string };
  object: HostObject;
  name: string;
  spec: ClusterSpec;
  rec: ClusterRecord;
  facts: ClusterFacts;
  kube?: KubePort;
  readiness: ReadinessWatches;
}

const CP_KUBEADM_CONFIG = '/etc/hostplane/kubeadm.yaml';
const JOIN_CONFIG = '/etc/hostplane/kubeadm-join.yaml';
const CLUSTER_REFERRERS: readonly Kind[] = ['Addon', 'LoadTest'];

export function createClusterReconciler(rt: KindRuntime, ports: HostPorts, options: ClusterOptions = {}) {
  const o = { certCheckIntervalMs: options.certCheckIntervalMs ?? 6 * 3_600_000, pollIntervalMs: options.pollIntervalMs ?? 30_000, waitMs: options.waitMs ?? 2_000, drainTimeoutMs: options.drainTimeoutMs ?? 60_000, home: options.home ?? process.env.HOME ?? homedir() };
  const readiness = new ReadinessWatches((k) => rt.enqueue(k));
  return async function reconcileCluster(key: string, ctx?: { signal: AbortSignal }): Promise<ReconcileResult> {
    const { kind, name } = parseObjectKey(key);
    const object = rt.store.get(kind as Kind, name);
    if (!object) {
      readiness.stop(name);
      return { kind: 'done' };
    }
    const spec = withClusterDefaults(object.spec as unknown as ClusterSpec);
    const s: Scope = { rt, ports, o, object, name, spec, rec: readClusterRecord(rt.stateDir.root, name), facts: { nodes: [], kubeconfigPath: kubeconfigPathOf(rt.stateDir.root, name) }, readiness };
    if (object.metadata.deletionTimestamp || spec.suspend) readiness.stop(name);
    if (object.metadata.deletionTimestamp) {
      const outcome = await runChain(s, deleteSteps, ctx?.signal);
      if (outcome.completed) {
        rt.store.remove(kind, name);
        return { kind: 'done' };
      }
      writeStatus(rt.store, object, computeClusterStatus(object, spec, s.rec, s.facts, outcome, new Date(rt.clock.now()), true), outcome);
      return { kind: 'requeueAfter', ms: outcome.requeueMs ?? o.waitMs };
    }
    if (spec.suspend) {
      writeStatus(rt.store, object, computeClusterStatus(object, spec, s.rec, s.facts, { completed: false, stoppedAt: { step: 'suspend', reason: 'Suspended', message: 'spec.suspend is set: hostplane leaves this cluster alone' } }, new Date(rt.clock.now())), { completed: false });
      return { kind: 'done' };
    }
    const outcome = await runChain(s, steps, ctx?.signal);
    if (ctx?.signal.aborted) throw outcome.error ?? new Error('reconcile aborted');
    const latest = rt.store.get(kind as Kind, name) ?? object;
    writeStatus(rt.store, { ...latest, metadata: { ...latest.metadata, generation: object.metadata.generation } }, computeClusterStatus({ ...object, status: latest.status }, spec, s.rec, s.facts, outcome, new Date(rt.clock.now())), outcome);
    if (outcome.error instanceof TerminalError) return { kind: 'requeueAfter', ms: o.pollIntervalMs };
    if (!outcome.completed) return { kind: 'requeueAfter', ms: outcome.requeueMs ?? o.waitMs };
    return { kind: 'requeueAfter', ms: outcome.requeueMs ?? o.pollIntervalMs };
  };
}

/**
 * While a cluster converges (joined nodes not Ready yet, Cilium agents starting), a watch on its Nodes
 * and kube-system DaemonSets queues it again on each change, so Ready follows the kubelets and not
 * the wait interval. One per cluster; stopped once Ready, on deletion or suspend, when the stream
 * ends (the next pass opens a new one) and after 10 min at the latest.
 */
class ReadinessWatches {
  private readonly open = new Map<string, () => void>();
  constructor(private readonly enqueue: (key: string) => void) {}

  ensure(name: string, kube: KubePort): void {
    if (this.open.has(name)) return;
    const handles: WatchHandle[] = [];
    let stopped = false;
    let debounce: NodeJS.Timeout | undefined;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(lifetime);
      clearTimeout(debounce);
      if (this.open.get(name) === stop) this.open.delete(name);
      for (const h of handles) void h.stop().catch(() => undefined);
    };
    const lifetime = setTimeout(stop, 600_000);
    lifetime.unref();
    this.open.set(name, stop);
    const poke = () => {
      if (stopped || debounce) return;
      debounce = setTimeout(() => {
        debounce = undefined;
        if (!stopped) this.enqueue(objectKey('Cluster', name));
      }, 100);
      debounce.unref();
    };
    for (const q of [{ apiVersion: 'v1', kind: 'Node' }, { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system' }]) {
      kube.watch(q, poke).then(
        (h) => {
          if (stopped) return void h.stop().catch(() => undefined);
          handles.push(h);
          void h.done.catch(() => undefined).finally(stop);
        },
        stop,
      );
    }
  }

  stop(name: string): void {
    this.open.get(name)?.();
  }
}

// ---- helpers ------------------------------------------------------------------------------------

const workerVms = (s: Scope) => (s.spec.workers ?? []).map((w) => w.vm);
const allVms = (s: Scope) => [s.spec.controlPlane.vm, ...workerVms(s)];
const event = (s: Scope, type: 'Normal' | 'Warning', reason: string, message: string) => s.rt.events.record({ object: objectKey('Cluster', s.name), type, reason, message });
const save = (s: Scope) => writeClusterRecord(s.rt.stateDir.root, s.name, s.rec);
const identity = (s: Scope) => `hostplane Cluster/${s.name}`;

/** Every other Cluster's record: VM → the cluster that initialised or joined it (never ours to reset or take). */
function vmsOwnedByOthers(s: Scope): Map<string, string> {
  const owners = new Map<string, string>();
  for (const c of s.rt.store.list('Cluster')) {
    if (c.metadata.name === s.name) continue;
    const spec = withClusterDefaults(c.spec as unknown as ClusterSpec);
    for (const vm of ownedVmsOf(readClusterRecord(s.rt.stateDir.root, c.metadata.name), spec.controlPlane.vm)) owners.set(vm, c.metadata.name);
  }
  return owners;
}

function vmOf(s: Scope, vm: string): HostObject | undefined {
  return s.rt.store.get('VirtualMachine', vm);
}

function vmIp(s: Scope, vm: string): string | undefined {
  return vmOf(s, vm)?.status?.ip as string | undefined;
}

/** The VM's status.incarnation (new each time the VM is created), when it says. */
function vmIncarnation(s: Scope, vm: string): string | undefined {
  const inc = vmOf(s, vm)?.status?.incarnation;
  return inc === undefined || inc === null || inc === 'unknown' ? undefined : String(inc);
}

/** Records the incarnation of the machine this cluster initialises or joins now (node-identity.ts). */
function recordIncarnation(s: Scope, vm: string): void {
  const inc = vmIncarnation(s, vm);
  if (inc) s.rec.incarnations = { ...(s.rec.incarnations ?? {}), [vm]: inc };
}

function vmReady(s: Scope, vm: string): boolean {
  const o = vmOf(s, vm);
  return !!o && o.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && !!o.status?.ip;
}

function target(s: Scope, vm: string): GuestTarget {
  const o = vmOf(s, vm);
  if (!o?.status?.ip) throw new StepError('VMsNotReady', `VirtualMachine ${vm} has no IP yet`);
  const ssh = ((o.spec as { ssh?: { user?: string; port?: number; passwordSecret?: string; keySecret?: string } }).ssh ?? {});
  let auth: GuestTarget['auth'];
  try {
    auth = ssh.keySecret ? { privateKey: s.ports.secrets.get(ssh.keySecret) } : { password: s.ports.secrets.get(ssh.passwordSecret ?? 'tart-default') };
  } catch {
    auth = {}; // no secret: key-based agents or the sim host; a real guest answers AuthFailed, which the step reports
  }
  return { vmKey: objectKey('VirtualMachine', vm), incarnation: String(o.status.incarnation ?? 'unknown'), host: String(o.status.ip), port: ssh.port ?? 22, user: ssh.user ?? 'admin', auth };
}

async function run(s: Scope, vm: string, script: string, what: string, timeoutMs = 300_000): Promise<string> {
  const r = await s.ports.guest.run(target(s, vm), script, { sudo: true, timeoutMs });
  if (r.code !== 0) throw new StepError('CommandFailed', `${what} on ${vm} exited ${r.code}: ${lastLines(r.stderr || r.stdout)}`);
  return r.stdout;
}

function lastLines(text: string): string {
  return s2(text.trim().split('\n').slice(-3).join(' | '));
}
const s2 = (t: string) => (t.length > 400 ? `${t.slice(0, 400)}…` : t);

const hash = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 16);

function kube(s: Scope): KubePort {
  s.kube ??= s.ports.kubernetes.kube(s.facts.kubeconfigPath);
  return s.kube;
}

function cpIp(s: Scope): string {
  const ip = vmIp(s, s.spec.controlPlane.vm);
  if (!ip) throw new StepError('VMsNotReady', `VirtualMachine ${s.spec.controlPlane.vm} has no IP yet`);
  return ip;
}

function endpointHost(s: Scope): string {
  return s.spec.controlPlaneEndpoint.host ?? s.rec.initAddress ?? cpIp(s);
}

// ---- steps ----------------------------------------------------------------------------------

const validate: Step<Scope> = {
  name: 'validate',
  async run(s) {
    const ref = referenceProblem(s.object, (k) => s.rt.store.getByKey(k), s.rt.referenceRules);
    if (ref) throw new TerminalError(ref.reason, ref.message);
    // Who owns what (first come): each cluster's record of the VMs it initialised or joined, then its age.
    const claims = (name: string, spec: ClusterSpec, rec: ClusterRecord, created: string | undefined) => ({
      ownedVms: ownedVmsOf(rec, spec.controlPlane.vm),
      initialised: !!(rec.initStartedAt || rec.initDoneAt),
      ...(created ? { creationTimestamp: created } : {}),
      name,
      spec,
    });
    const others = s.rt.store
      .list('Cluster')
      .filter((c) => c.metadata.name !== s.name && !c.metadata.deletionTimestamp)
      .map((c) => claims(c.metadata.name, withClusterDefaults(c.spec as unknown as ClusterSpec), readClusterRecord(s.rt.stateDir.root, c.metadata.name), c.metadata.creationTimestamp));
    const vms = s.rt.store.list('VirtualMachine').map((v) => ({ name: v.metadata.name, ...(v.status?.ip ? { ip: String(v.status.ip) } : {}) }));
    const problems = validateCluster({ ...claims(s.name, s.spec, s.rec, s.object.metadata.creationTimestamp), otherClusters: others, vms, vmNetworks: vmNetworksFor(s.ports.provider.name) });
    if (problems.length) throw new TerminalError('InvalidSpec', summarizeProblems(problems));
    return proceed();
  },
};

const infrastructure: Step<Scope> = {
  name: 'infrastructure',
  async run(s) {
    const missing = allVms(s).filter((v) => !vmReady(s, v));
    s.facts.infraReady = missing.length === 0;
    if (missing.length) return waitFor(s.o.waitMs, 'DependencyNotReady', `waiting for VirtualMachine ${missing.join(', ')} to be Ready`);
    return proceed();
  },
};

/**
 * A node VM whose incarnation differs from the one recorded at init or join is a new machine
 * (deleted and created again: empty disk, maybe a new address), never an address change. A worker
 * is forgotten (join record, preparation, its old Node object) and joins again. The control plane:
 * the cluster is lost — ControlPlaneInitialized=False/ControlPlaneLost and a Warning saying what to
 * do, the chain stops — until spec.remediation.allowReinit, which clears what the record knew of the
 * old cluster (init, address, joins, CNI, certificates, the stored kubeconfig) so the next steps
 * prepare the new VM, run kubeadm init on it (a fresh machine: no reset) and join every worker again.
 */
const recreated: Step<Scope> = {
  name: 'recreated',
  async run(s) {
    const inc = s.rec.incarnations ?? {};
    const cp = s.rec.controlPlaneVm ?? s.spec.controlPlane.vm;
    const initialised = !!(s.rec.initStartedAt || s.rec.initDoneAt);
    if (initialised && !s.rec.controlPlaneLost && classifyNodeChange({ role: 'control-plane', recordedIncarnation: inc[cp], currentIncarnation: vmIncarnation(s, cp) }) === 'controlPlaneLost') {
      s.rec.controlPlaneLost = { vm: cp, from: inc[cp]!, to: vmIncarnation(s, cp)! };
      save(s);
    }
    const lost = s.rec.controlPlaneLost;
    if (lost) {
      const now = vmIncarnation(s, lost.vm);
      if (now === lost.from) {
        // the old machine is back (restored): its cluster with it
        delete s.rec.controlPlaneLost;
        save(s);
      } else {
        if (now && now !== lost.to) {
          lost.to = now;
          save(s);
        }
        const allowReinit = s.spec.remediation?.allowReinit === true;
        const d = recreatedControlPlaneDecision(lost.vm, lost.from, lost.to, allowReinit);
        s.facts.init = d;
        if (!allowReinit) {
          if (lost.reported !== lost.to) {
            event(s, 'Warning', 'ControlPlaneLost', d.warning!);
            lost.reported = lost.to;
            save(s);
          }
          throw new TerminalError('ReinitRequired', d.message);
        }
        if (inc[lost.vm] !== lost.to && (s.rec.initStartedAt || s.rec.initDoneAt)) {
          // The record still describes the old cluster: forget it (the new cluster's init writes its own).
          event(s, 'Warning', 'Reinitializing', d.warning!);
          // the stored kubeconfig first (the old cluster's CA): a kill -9 after this repeats the whole forgetting
          rmSync(s.facts.kubeconfigPath, { force: true });
          for (const k of ['initStartedAt', 'initDoneAt', 'initAddress', 'controlPlaneVm', 'driftReported', 'cniHash', 'certificates', 'upgrade', 'upgradeRefusedReported', 'kubernetesVersion'] as const) delete s.rec[k];
          s.rec.joined = {};
          s.rec.incarnations = {};
          save(s);
          s.kube = undefined;
          s.readiness.stop(s.name);
        }
        return proceed();
      }
    }
    for (const w of workerVms(s)) {
      const node = s.rec.joined[w];
      if (!node || classifyNodeChange({ role: 'worker', recordedIncarnation: inc[w], currentIncarnation: vmIncarnation(s, w) }) !== 'rejoin') continue;
      event(s, 'Warning', 'NodeRecreated', recreatedWorkerMessage(w, inc[w]!, vmIncarnation(s, w)!));
      delete s.rec.joined[w];
      delete s.rec.prepared[w];
      delete inc[w];
      s.rec.incarnations = inc;
      save(s);
      // Its old Node object would stand in the way of the join under the same name (kubeadm refuses a Ready one).
      if (existsSync(s.facts.kubeconfigPath) && (await kube(s).readyz({ timeoutMs: 2000 })).ok) {
        await kube(s).delete({ apiVersion: 'v1', kind: 'Node', name: node }).catch(() => undefined);
      }
    }
    return proceed();
  },
};

/**
 * The control plane must keep the address kubeadm init used (it is in the API server certificate,
 * every kubeconfig and the kubelets' configs). A change is reported (NodeAddressesStable=False and
 * one Warning per change, saying what to do) and repaired where address-drift.ts finds it safe: the
 * old API server certificate moved aside and re-issued by `kubeadm init phase certs apiserver` for
 * the new address, static pod manifests, kubeconfigs and kubelet node-ip rewritten, kubelets
 * restarted, workers re-pointed, then the stored kubeconfig rewritten. Unsafe (the old address now
 * belongs to another VM): reported only, the chain waits.
 */
const addressDrift: Step<Scope> = {
  name: 'address-drift',
  async run(s) {
    const cur = cpIp(s);
    // A recreated control-plane VM is a lost control plane (the recreated step), never an address change.
    if (!s.rec.initAddress || cur === s.rec.initAddress || s.spec.controlPlaneEndpoint.host || s.rec.controlPlaneLost) return proceed();
    const from = s.rec.initAddress;
    s.facts.addressDrift = { from, to: cur };
    const cp = s.spec.controlPlane.vm;
    const labVmIps = new Map(s.rt.store.list('VirtualMachine').filter((v) => v.status?.ip).map((v) => [v.metadata.name, String(v.status!.ip)] as const));
    const plan = checkAddressDrift({
      nodes: [{ node: cp, role: 'control-plane', recordedIp: from, currentIp: cur }, ...workerVms(s).filter((w) => s.rec.joined[w]).map((w) => ({ node: w, role: 'worker' as const, recordedIp: vmIp(s, w) ?? '', currentIp: vmIp(s, w) }))],
      endpointPort: s.spec.controlPlaneEndpoint.port,
      ...(s.spec.controlPlane.certSANs ? { certSANs: s.spec.controlPlane.certSANs } : {}),
      labVmIps,
    });
    if (s.rec.driftReported !== cur) {
      // reported first (condition and Warning in this reconcile's status), repaired on the next one
      const msg = `${driftMessage(cp, from, cur)}. ${plan.safe ? 'hostplane re-issues the API server certificate for the new address and re-points the kubeconfigs' : plan.message}`;
      event(s, 'Warning', 'NodeAddressChanged', msg);
      s.rec.driftReported = cur;
      save(s);
      return waitFor(plan.safe ? Math.min(s.o.waitMs, 1000) : s.o.pollIntervalMs, 'NodeAddressChanged', msg);
    }
    if (!plan.safe) return waitFor(s.o.pollIntervalMs, 'NodeAddressChanged', `${driftMessage(cp, from, cur)}. ${plan.message}`);
    s.facts.addressDrift.repairing = true;
    event(s, 'Normal', 'RepairingAddress', `Re-issuing the API server certificate of ${cp} for ${cur} and re-pointing kubeconfigs from ${from}`);
    try {
      // the kubeadm configuration kubeadm init phase certs reads, rendered for the new address
      await s.ports.guest.upload(target(s, cp), CP_KUBEADM_CONFIG, renderKubeadmInitConfig({ clusterName: s.name, spec: s.spec, controlPlaneIp: cur, nodeName: cp }), { mode: 0o600, sudo: true });
      for (const st of plan.repair) {
        const script = renderRepairScript(st, CP_KUBEADM_CONFIG);
        if (script) await run(s, st.node, script, `address repair (${st.action})`, 120_000);
      }
      s.rec.initAddress = cur;
      save(s);
      await storeAdminKubeconfig(s);
      const ready = await waitForApi(s, 30_000);
      if (!ready) throw new Error(`the API server does not answer at https://${cur}:${s.spec.controlPlaneEndpoint.port} after the repair`);
      if (plan.repair.some((st) => st.action === 'updateClusterConfigMaps')) await rewriteClusterConfigMaps(s, from, cur);
    } catch (e) {
      event(s, 'Warning', 'RepairFailed', `Repairing the control-plane address change ${from} → ${cur}: ${errorMessage(e)}`);
      throw new StepError('RepairFailed', `repairing the control-plane address change ${from} → ${cur}: ${errorMessage(e)}`);
    }
    delete s.rec.driftReported;
    save(s);
    s.facts.addressDrift = { from, to: cur, repaired: true };
    event(s, 'Normal', 'AddressRepaired', `The control plane answers at ${cur} again: API server certificate re-issued, kubeconfigs re-pointed from ${from}, stored kubeconfig rewritten`);
    return proceed();
  },
};

/** /readyz through the stored kubeconfig, polled (bounded) while a restarted control plane comes back. */
async function waitForApi(s: Scope, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 300 && Date.now() < deadline; i++) {
    if ((await kube(s).readyz({ timeoutMs: 2000 })).ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** kubeadm keeps the endpoint in kube-system/kubeadm-config and kube-public/cluster-info: point them at the new address. */
async function rewriteClusterConfigMaps(s: Scope, from: string, to: string): Promise<void> {
  for (const [namespace, name] of [['kube-system', 'kubeadm-config'], ['kube-public', 'cluster-info']] as const) {
    const cm = await kube(s).get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
    const data = (cm?.data ?? {}) as Record<string, string>;
    const changed = Object.fromEntries(Object.entries(data).filter(([, v]) => v.includes(from)).map(([k, v]) => [k, v.split(from).join(to)]));
    if (Object.keys(changed).length) await kube(s).mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name }, { data: changed });
  }
}

/**
 * spec.powerState through power holds on the VMs (src/controllers/power-holds.ts; the VM shows
 * status.powerHeldBy): Stopped cordons and drains the workers, stops them, then the control plane;
 * Running starts the control plane first, then the workers (uncordoned by the workers step), then
 * releases the holds so the VMs follow their own specs again.
 */
const power: Step<Scope> = {
  name: 'power',
  async run(s) {
    const holds = new PowerHolds(s.rt.stateDir.root);
    const holder = objectKey('Cluster', s.name);
    const vmKey = (vm: string) => objectKey('VirtualMachine', vm);
    const state = (vm: string) => vmOf(s, vm)?.status?.state;
    const cp = s.spec.controlPlane.vm;
    const ws = workerVms(s);
    if (s.spec.powerState === 'Stopped') {
      const running = ws.filter((vm) => state(vm) === 'running');
      if (running.length && ws.some((vm) => holds.get(vmKey(vm))?.powerState !== 'Stopped')) {
        event(s, 'Normal', 'Stopping', `Stopping cluster: cordoning and draining ${running.join(', ')}, then stopping worker VMs, then ${cp}`);
        if (existsSync(s.facts.kubeconfigPath) && (await kube(s).readyz({ timeoutMs: 2000 })).ok) {
          for (const vm of running) {
            await kube(s).mergePatch({ apiVersion: 'v1', kind: 'Node', name: vm }, { spec: { unschedulable: true } }).catch(() => undefined);
            if (!(await drain(s, vm))) event(s, 'Warning', 'Stopping', `Node ${vm} did not drain within ${s.o.drainTimeoutMs} ms; stopping it anyway`);
          }
        }
        s.rec.poweredOff = true;
        save(s);
      }
      for (const vm of ws) holds.set(vmKey(vm), { holder, powerState: 'Stopped' });
      if (running.length) return waitFor(s.o.waitMs, 'Stopping', `stopping worker VMs ${running.join(', ')} before the control plane`);
      holds.set(vmKey(cp), { holder, powerState: 'Stopped' });
      if (state(cp) === 'running') return waitFor(s.o.waitMs, 'Stopping', `stopping the control-plane VM ${cp}`);
      s.rec.poweredOff = true;
      save(s);
      return waitFor(s.o.pollIntervalMs, 'StoppedAsDesired', 'Every node VM is stopped, as spec.powerState asks');
    }
    const held = allVms(s).filter((vm) => holds.get(vmKey(vm))?.holder === holder);
    if (!held.length) return proceed();
    if (holds.get(vmKey(cp))?.powerState === 'Stopped') {
      event(s, 'Normal', 'Starting', `Starting cluster: control plane ${cp} first, then the workers`);
      holds.set(vmKey(cp), { holder, powerState: 'Running' });
    }
    if (!vmReady(s, cp)) return waitFor(s.o.waitMs, 'Starting', `starting the control-plane VM ${cp} before the workers`);
    for (const vm of ws) holds.set(vmKey(vm), { holder, powerState: 'Running' });
    const waiting = ws.filter((vm) => !vmReady(s, vm));
    if (waiting.length) return waitFor(s.o.waitMs, 'Starting', `starting worker VMs ${waiting.join(', ')}`);
    holds.release(holder);
    return proceed();
  },
};

const prepareNodes: Step<Scope> = {
  name: 'prepare-nodes',
  async run(s) {
    // The version the nodes run, not the spec's: a raised version is the upgrade step's work (drain first).
    const prep = renderNodePrepSteps({ kubernetesVersion: s.rec.upgrade?.from ?? s.rec.kubernetesVersion ?? s.spec.kubernetesVersion });
    const todo = allVms(s).filter((vm) => s.rec.prepared[vm] !== hash([prep, vmOf(s, vm)?.status?.incarnation]));
    if (!todo.length) {
      s.facts.nodesPrepared = true;
      return proceed();
    }
    event(s, 'Normal', 'Preparing', `Preparing ${todo.join(', ')} for kubeadm`);
    const results = await Promise.allSettled(
      todo.map(async (vm) => {
        for (const p of prep) await run(s, vm, renderStepScript(p), `node preparation step ${p.name}`);
        s.rec.prepared[vm] = hash([prep, vmOf(s, vm)?.status?.incarnation]);
      }),
    );
    save(s);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new StepError('PackageInstallFailed', errorMessage(failed.reason));
    s.facts.nodesPrepared = true;
    event(s, 'Normal', 'Prepared', `Nodes prepared: ${todo.join(', ')}`);
    return proceed();
  },
};

const FACTS_SCRIPT = [
  `if test -f ${INIT_STARTED_SENTINEL}; then echo "started=$(cat ${INIT_STARTED_SENTINEL})"; fi`,
  `if test -f ${INIT_DONE_SENTINEL}; then echo "done=$(cat ${INIT_DONE_SENTINEL})"; fi`,
  'if test -f /etc/kubernetes/admin.conf; then echo admin=1; fi',
  'if test -f /etc/kubernetes/manifests/kube-apiserver.yaml; then echo manifests=1; fi',
  'if test -f /etc/kubernetes/kubelet.conf; then echo other=1; fi',
  'if test -f /etc/kubernetes/pki/ca.crt; then echo other=1; fi',
  'if systemctl is-active --quiet kubelet; then echo kubelet=1; fi',
  '',
].join('\n');

const factsOf = (out: string) => new Map(out.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));

const initControlPlane: Step<Scope> = {
  name: 'init',
  async run(s) {
    const cp = s.spec.controlPlane.vm;
    const out = await run(s, cp, FACTS_SCRIPT, 'reading the control plane state');
    const kv = factsOf(out);
    // A recreated control-plane VM (allowReinit set) is a new machine: the old cluster's latch does not apply to it.
    const latched = !s.rec.controlPlaneLost && ((s.object.status?.initialization as { controlPlaneInitialized?: boolean } | undefined)?.controlPlaneInitialized === true || !!s.rec.initDoneAt);
    // Ours: a sentinel with our identity, the host-side record, or the latch. Only then may admin.conf be
    // fetched before init is known to be done — `up` may have died after kubeadm init succeeded but
    // before the kubeconfig was stored (reference §2.4: admin.conf and manifests present, /readyz with admin.conf).
    const ours = [kv.get('started'), kv.get('done')].some((v) => v?.trim() === identity(s)) || !!s.rec.initStartedAt || latched;
    let apiReady = false;
    if (kv.has('admin') && kv.has('manifests') && ours) {
      if (!existsSync(s.facts.kubeconfigPath)) await storeAdminKubeconfig(s).catch(() => undefined);
      apiReady = existsSync(s.facts.kubeconfigPath) ? (await kube(s).readyz({ timeoutMs: 3000 })).ok : false;
    }
    // The host-side record counts as our started sentinel too: a kill -9 between it and the guest's never re-runs init.
    const started = kv.get('started') ?? (s.rec.initStartedAt && !s.rec.initDoneAt ? identity(s) : undefined);
    const d = decideInit(
      { ...(started !== undefined ? { startedSentinel: started } : {}), ...(kv.has('done') ? { doneSentinel: kv.get('done')! } : {}), adminConf: kv.has('admin'), manifests: kv.has('manifests'), otherKubeadmFiles: kv.has('other'), kubeadmRunning: false, kubeletRunning: kv.has('kubelet'), apiReady, ...(s.rec.initStartedAt ? { sinceStartedMs: s.rt.clock.now() - Date.parse(s.rec.initStartedAt) } : {}) },
      { identity: identity(s), latched, allowReinit: s.spec.remediation?.allowReinit === true },
    );
    s.facts.init = d;
    if (d.warning) event(s, 'Warning', d.reason, d.warning);
    switch (d.action) {
      case 'none':
        if (!s.rec.initDoneAt || !s.rec.controlPlaneVm || !s.rec.incarnations?.[cp]) {
          // the guest's done sentinel outlived a host record that never saw init end (or a record from before controlPlaneVm or incarnations)
          s.rec.initDoneAt ??= new Date(s.rt.clock.now()).toISOString();
          s.rec.initAddress ??= cpIp(s);
          s.rec.controlPlaneVm ??= cp;
          if (!s.rec.incarnations?.[cp]) recordIncarnation(s, cp);
          save(s);
        }
        return proceed();
      case 'wait':
        return waitFor(s.o.waitMs, 'Initializing', d.message);
      case 'report':
        throw new TerminalError(d.stalled ?? 'ReinitRequired', d.message);
      case 'recordSentinel':
        await run(s, cp, `mkdir -p ${SENTINEL_DIR}\necho '${identity(s)}' > ${INIT_DONE_SENTINEL}\n`, 'recording the init sentinel');
        s.rec.initDoneAt ??= new Date(s.rt.clock.now()).toISOString();
        s.rec.initAddress ??= cpIp(s);
        s.rec.controlPlaneVm ??= cp;
        if (!s.rec.incarnations?.[cp]) recordIncarnation(s, cp);
        save(s);
        return proceed();
      case 'resetAndInit':
        await run(s, cp, resetNodeScript() + `\nrm -f ${INIT_STARTED_SENTINEL} ${INIT_DONE_SENTINEL}\n`, 'kubeadm reset before re-init');
      // falls through
      case 'init': {
        const ip = cpIp(s);
        const config = renderKubeadmInitConfig({ clusterName: s.name, spec: s.spec, controlPlaneIp: ip, nodeName: cp });
        // Sentinels before init: host side first, then the guest; a kill -9 anywhere after this never re-runs init.
        s.rec.initStartedAt = new Date(s.rt.clock.now()).toISOString();
        s.rec.initAddress = ip;
        s.rec.controlPlaneVm = cp;
        recordIncarnation(s, cp);
        s.rec.kubernetesVersion = parseKubeVersion(s.spec.kubernetesVersion)?.patch;
        delete s.rec.initDoneAt;
        save(s);
        await run(s, cp, `mkdir -p ${SENTINEL_DIR} /etc/hostplane\necho '${identity(s)}' > ${INIT_STARTED_SENTINEL}\n`, 'recording the init-started sentinel');
        await s.ports.guest.upload(target(s, cp), CP_KUBEADM_CONFIG, config, { mode: 0o600, sudo: true });
        event(s, 'Normal', 'Initializing', `Running kubeadm init on ${cp} (${ip})`);
        try {
          await run(s, cp, `kubeadm init --config ${CP_KUBEADM_CONFIG}`, 'kubeadm init', 600_000);
        } catch (e) {
          event(s, 'Warning', 'InitFailed', errorMessage(e));
          throw new StepError('InitFailed', errorMessage(e));
        }
        await run(s, cp, `echo '${identity(s)}' > ${INIT_DONE_SENTINEL}\n`, 'recording the init sentinel');
        s.rec.initDoneAt = new Date(s.rt.clock.now()).toISOString();
        delete s.rec.controlPlaneLost; // a new cluster on the recreated VM
        save(s);
        s.facts.init = { ...d, initialized: true, reason: 'Initialized', message: 'kubeadm init succeeded' };
        event(s, 'Normal', 'Initialized', `kubeadm init succeeded on ${cp}`);
        return proceed();
      }
    }
  },
};

const fetchKubeconfig: Step<Scope> = {
  name: 'kubeconfig',
  async run(s) {
    const server = `https://${endpointHost(s)}:${s.spec.controlPlaneEndpoint.port}`;
    const ctxName = s.spec.kubeconfig.contextName ?? defaultContextName(s.name);
    let current: string | undefined;
    try {
      current = readFileSync(s.facts.kubeconfigPath, 'utf8');
    } catch {
      current = undefined;
    }
    if (!current || !current.includes(`server: ${server}`)) {
      try {
        current = await storeAdminKubeconfig(s);
      } catch (e) {
        throw new StepError('FetchFailed', errorMessage(e));
      }
    }
    s.facts.kubeconfigAvailable = true;
    const defaultFile = join(s.o.home, '.kube', 'config');
    if (s.spec.kubeconfig.mergeIntoDefault) {
      let existing = '';
      try {
        existing = readFileSync(defaultFile, 'utf8');
      } catch {
        existing = '';
      }
      const merged = mergeKubeconfig(existing, current, ctxName);
      if (merged !== existing) writeFileAtomic(defaultFile, merged, 0o600);
      if (s.rec.mergedContext !== ctxName) {
        s.rec.mergedContext = ctxName;
        save(s);
      }
      s.facts.contextName = ctxName;
    } else if (s.rec.mergedContext) {
      removeMergedContext(s, defaultFile);
    }
    return proceed();
  },
};

/** admin.conf from the control plane, server rewritten to the reachable endpoint, stored 0600. */
async function storeAdminKubeconfig(s: Scope): Promise<string> {
  const server = `https://${endpointHost(s)}:${s.spec.controlPlaneEndpoint.port}`;
  const ctxName = s.spec.kubeconfig.contextName ?? defaultContextName(s.name);
  const admin = await run(s, s.spec.controlPlane.vm, 'cat /etc/kubernetes/admin.conf', 'reading admin.conf');
  const text = rewriteAdminKubeconfig(admin, server, ctxName);
  writeFileAtomic(s.facts.kubeconfigPath, text, 0o600);
  s.kube = undefined;
  event(s, 'Normal', 'KubeconfigAvailable', `Kubeconfig stored at ${s.facts.kubeconfigPath}`);
  return text;
}

function removeMergedContext(s: Scope, defaultFile = join(s.o.home, '.kube', 'config')): void {
  if (!s.rec.mergedContext) return;
  try {
    const existing = readFileSync(defaultFile, 'utf8');
    writeFileAtomic(defaultFile, removeKubeconfigContext(existing, s.rec.mergedContext), 0o600);
  } catch {
    /* no default kubeconfig: nothing to remove */
  }
  delete s.rec.mergedContext;
  save(s);
}

const cni: Step<Scope> = {
  name: 'cni',
  async run(s) {
    if (s.spec.cni.type !== 'cilium') return proceed();
    const c = s.spec.cni.cilium;
    const values = ciliumValues({ spec: s.spec, apiServerHost: endpointHost(s), apiServerPort: s.spec.controlPlaneEndpoint.port });
    const h = hash([c.version, values]);
    if (s.rec.cniHash !== h) {
      event(s, 'Normal', 'Installing', `Installing Cilium ${c.version}`);
      try {
        const chart = await s.ports.kubernetes.charts.resolve({ repo: 'https://helm.cilium.io/', chart: 'cilium', version: c.version });
        const helm = await s.ports.kubernetes.helm();
        await helm.upgradeInstall({ kubeconfig: s.facts.kubeconfigPath, namespace: 'kube-system', release: 'cilium' }, { path: chart.path }, { values, timeoutMs: 120_000 });
      } catch (e) {
        throw new StepError('InstallFailed', `Cilium ${c.version}: ${errorMessage(e)}`);
      }
      s.rec.cniHash = h;
      save(s);
    }
    const ds = await kube(s).get({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'cilium' });
    const st = (ds?.status ?? {}) as { desiredNumberScheduled?: number; numberReady?: number };
    s.facts.cniReady = !!ds && (st.desiredNumberScheduled ?? 0) > 0 && st.numberReady === st.desiredNumberScheduled;
    return proceed();
  },
};

const workers: Step<Scope> = {
  name: 'workers',
  async run(s) {
    const nodes = await kube(s).listNodes();
    s.facts.nodes = nodes;
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const desired = s.spec.workers ?? [];
    // Removed workers: cordon, drain (evictions honour PDBs), delete the Node, kubeadm reset.
    for (const [vm, node] of Object.entries(s.rec.joined)) {
      if (desired.some((w) => w.vm === vm)) continue;
      s.facts.draining = vm;
      event(s, 'Normal', 'Draining', `Worker ${vm} left the spec: cordoning and draining node ${node}`);
      if (byName.has(node)) {
        await kube(s).mergePatch({ apiVersion: 'v1', kind: 'Node', name: node }, { spec: { unschedulable: true } });
        const drained = await drain(s, node);
        if (!drained) return waitFor(s.o.waitMs, 'Draining', `draining node ${node}: pods still running (a PodDisruptionBudget may be holding them)`);
        await kube(s).delete({ apiVersion: 'v1', kind: 'Node', name: node });
      }
      const owner = vmsOwnedByOthers(s).get(vm);
      if (owner) event(s, 'Warning', 'NodeLeftAlone', `Worker ${vm} not reset: the record of Cluster ${owner} names it as its node`);
      else if (vmReady(s, vm)) await run(s, vm, resetNodeScript(), 'kubeadm reset', 150_000);
      delete s.rec.joined[vm];
      delete s.rec.prepared[vm];
      save(s);
      event(s, 'Normal', 'WorkerRemoved', `Worker ${vm} drained, deleted and reset`);
    }
    delete s.facts.draining;
    // Workers to join: no record, or the node vanished from the API (VM recreated).
    const toJoin = desired.filter((w) => !s.rec.joined[w.vm] || !byName.has(s.rec.joined[w.vm]!));
    if (toJoin.length) {
      event(s, 'Normal', 'Joining', `Joining ${toJoin.map((w) => w.vm).join(', ')}`);
      // Recorded before kubeadm join runs: a join cut short is still ours to retry, remove or reset.
      for (const w of toJoin) {
        s.rec.joined[w.vm] = w.vm;
        recordIncarnation(s, w.vm);
      }
      save(s);
      const results = await Promise.allSettled(
        toJoin.map(async (w) => {
          const line = await run(s, s.spec.controlPlane.vm, 'kubeadm token create --print-join-command --ttl 15m', 'kubeadm token create');
          const jc = parseJoinCommand(line);
          const ip = vmIp(s, w.vm)!;
          const cfg = renderKubeadmJoinConfig({ spec: s.spec, apiServerEndpoint: jc.apiServerEndpoint, token: jc.token, caCertHash: jc.caCertHash, nodeName: w.vm, nodeIp: ip });
          await run(s, w.vm, `if test -f /etc/kubernetes/kubelet.conf; then kubeadm reset -f; fi\nmkdir -p /etc/hostplane\n`, 'clearing a stale join');
          await s.ports.guest.upload(target(s, w.vm), JOIN_CONFIG, cfg, { mode: 0o600, sudo: true });
          await run(s, w.vm, `kubeadm join --config ${JOIN_CONFIG}`, 'kubeadm join', 300_000);
          s.rec.joined[w.vm] = w.vm;
        }),
      );
      save(s);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw new StepError('JoinFailed', errorMessage(failed.reason));
      s.facts.nodes = await kube(s).listNodes();
    }
    // Labels and taints from the spec; workers cordoned for a power-off are uncordoned.
    for (const w of desired) {
      const n = s.facts.nodes.find((x) => x.name === w.vm);
      if (!n) continue;
      if (n.ready && s.rec.joined[w.vm] && !s.rec.incarnations?.[w.vm] && vmIncarnation(s, w.vm)) {
        // a record from before incarnations were kept: this machine is the one that joined
        recordIncarnation(s, w.vm);
        save(s);
      }
      if (s.rec.poweredOff && n.unschedulable) await kube(s).mergePatch({ apiVersion: 'v1', kind: 'Node', name: w.vm }, { spec: { unschedulable: false } });
      const wantLabels = w.labels ?? {};
      const missingLabel = Object.entries(wantLabels).some(([k, v]) => n.labels[k] !== v);
      const wantTaints = w.taints ?? [];
      const missingTaint = wantTaints.some((t) => !n.taints.some((x) => x.key === t.key && x.effect === t.effect && (x.value ?? '') === (t.value ?? '')));
      if (missingLabel || missingTaint) {
        const taints = [...n.taints.filter((x) => !wantTaints.some((t) => t.key === x.key && t.effect === x.effect)), ...wantTaints];
        await kube(s).mergePatch({ apiVersion: 'v1', kind: 'Node', name: w.vm }, { metadata: { labels: wantLabels }, ...(missingTaint ? { spec: { taints } } : {}) });
      }
    }
    if (s.rec.poweredOff) {
      delete s.rec.poweredOff;
      save(s);
    }
    return proceed();
  },
};

/**
 * Evicts every non-DaemonSet pod of a node; false while some remain (PDB refusals, timeout). As
 * `kubectl drain`, it waits for the pods it found to go: a replacement that tolerates the
 * unschedulable taint (cilium-operator tolerates everything) may land on the node again and stays.
 */
async function drain(s: Scope, node: string): Promise<boolean> {
  const deadline = Date.now() + s.o.drainTimeoutMs;
  let targets: Set<string> | undefined;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    const onNode = (await kube(s).list({ apiVersion: 'v1', kind: 'Pod' })).items.filter((p) => {
      if ((p.spec as { nodeName?: string } | undefined)?.nodeName !== node) return false;
      const owners = p.metadata.ownerReferences ?? [];
      const mirror = p.metadata.annotations?.['kubernetes.io/config.mirror'];
      return !mirror && !owners.some((o) => o.kind === 'DaemonSet') && !p.metadata.deletionTimestamp;
    });
    targets ??= new Set(onNode.map((p) => p.metadata.uid ?? `${p.metadata.namespace}/${p.metadata.name}`));
    const pods = onNode.filter((p) => targets!.has(p.metadata.uid ?? `${p.metadata.namespace}/${p.metadata.name}`));
    if (!pods.length) return true;
    for (const p of pods) {
      try {
        await kube(s).evict({ name: p.metadata.name!, namespace: p.metadata.namespace! });
      } catch {
        /* a PDB refused (429) or the pod went: try again on the next round */
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const health: Step<Scope> = {
  name: 'health',
  async run(s) {
    const r = await kube(s).readyz({ timeoutMs: 3000 });
    s.facts.apiReady = r.ok;
    if (r.ok) s.facts.nodes = await kube(s).listNodes();
    const desired = allVms(s);
    const notReady = desired.filter((n) => !s.facts.nodes.find((x: NodeSummary) => x.name === n)?.ready);
    if (!r.ok || notReady.length || (s.spec.cni.type === 'cilium' && !s.facts.cniReady)) {
      // converging (kubelets and Cilium agents coming up): their changes queue the next pass; waitMs stays the fallback
      if (r.ok) s.readiness.ensure(s.name, kube(s));
      return proceed(s.o.waitMs);
    }
    s.readiness.stop(s.name);
    return proceed();
  },
};

/**
 * A changed spec.kubernetesVersion is checked before anything acts on it: one minor up is an
 * upgrade (the upgrade step), more than one or a downgrade is refused (Ready=False UpgradeRefused,
 * naming the field and both versions) and nothing on the nodes changes.
 */
const versionCheck: Step<Scope> = {
  name: 'version',
  async run(s) {
    if (!s.rec.initDoneAt) return proceed();
    const want = parseKubeVersion(s.spec.kubernetesVersion);
    if (!want) return proceed(); // validate reported it
    if (!s.rec.kubernetesVersion) {
      // a record from before versions were kept: the cluster runs what the spec said at init
      s.rec.kubernetesVersion = want.patch;
      save(s);
    }
    const u = s.rec.upgrade;
    let refusal: string | undefined;
    if (u && u.to !== want.patch) {
      refusal = `spec.kubernetesVersion: the cluster is being upgraded from ${u.from} to ${u.to} (${u.next} of ${u.steps.length} steps done) and kubeadm cannot stop half way; set spec.kubernetesVersion back to ${u.to.split('.').slice(0, 2).join('.')} (it is ${s.spec.kubernetesVersion})`;
    } else if (!u) {
      const d = planUpgrade(s.rec.kubernetesVersion, s.spec.kubernetesVersion, []);
      if (d.kind === 'refused') refusal = `spec.kubernetesVersion: ${d.message} (the cluster runs ${s.rec.kubernetesVersion}, the spec asks for ${s.spec.kubernetesVersion})`;
    }
    if (!refusal) {
      if (s.rec.upgradeRefusedReported) {
        delete s.rec.upgradeRefusedReported;
        save(s);
      }
      return proceed();
    }
    if (s.rec.upgradeRefusedReported !== s.spec.kubernetesVersion) {
      event(s, 'Warning', 'UpgradeRefused', refusal);
      s.rec.upgradeRefusedReported = s.spec.kubernetesVersion;
      save(s);
    }
    throw new TerminalError('UpgradeRefused', refusal);
  },
};

/**
 * One minor up: the plan of upgrade-plan.ts (control plane first, then each worker: drain, kubeadm
 * upgrade, packages pinned to the new patch, kubelet restart, uncordon), kept in the record with the
 * steps done, so a restart resumes where it stopped. One node per reconcile, so the status shows progress.
 */
const upgrade: Step<Scope> = {
  name: 'upgrade',
  async run(s) {
    if (!s.rec.upgrade) {
      const cp = s.spec.controlPlane.vm;
      const nodes = s.facts.nodes.filter((n) => allVms(s).includes(n.name)).map((n) => ({ name: n.name, role: n.name === cp ? ('control-plane' as const) : ('worker' as const), kubeletVersion: n.kubeletVersion ?? '' }));
      const d = planUpgrade(s.rec.kubernetesVersion ?? s.spec.kubernetesVersion, s.spec.kubernetesVersion, nodes);
      if (d.kind === 'none') return proceed();
      if (d.kind === 'refused') throw new TerminalError('UpgradeRefused', `spec.kubernetesVersion: ${d.message}`);
      s.rec.upgrade = { from: d.from, to: d.to, steps: d.steps, next: 0 };
      save(s);
      event(s, 'Normal', 'Upgrading', `Upgrading Kubernetes from ${d.from} to ${d.to}: the control plane first, then each worker (${d.steps.length} steps)`);
    }
    const u = s.rec.upgrade;
    s.facts.upgrade = { from: u.from, to: u.to, next: u.next, total: u.steps.length };
    const node = u.steps[u.next]?.node;
    while (u.next < u.steps.length && u.steps[u.next]!.node === node) {
      const st = u.steps[u.next]!;
      const what = describeUpgradeStep(st);
      s.facts.upgrade.current = what;
      let done: boolean;
      try {
        done = await runUpgradeStep(s, st);
      } catch (e) {
        event(s, 'Warning', 'UpgradeFailed', `Step ${u.next + 1}/${u.steps.length} (${what}): ${errorMessage(e)}`);
        throw new StepError('UpgradeFailed', `upgrade to ${u.to}, step ${u.next + 1}/${u.steps.length} (${what}): ${errorMessage(e)}`);
      }
      if (!done) return waitFor(s.o.waitMs, 'Upgrading', `upgrade to ${u.to}, step ${u.next + 1}/${u.steps.length}: draining ${st.node}, pods still running (a PodDisruptionBudget may be holding them)`);
      u.next++;
      s.facts.upgrade.next = u.next;
      save(s);
      event(s, 'Normal', UPGRADE_STEP_EVENT[st.action], `Upgrade to ${u.to}, step ${u.next}/${u.steps.length}: ${what}`);
    }
    if (u.next < u.steps.length) return waitFor(Math.min(s.o.waitMs, 500), 'Upgrading', `upgrade to ${u.to}: ${node} done, next ${u.steps[u.next]!.node} (${u.next} of ${u.steps.length} steps)`);
    s.rec.kubernetesVersion = u.to;
    delete s.rec.upgrade;
    save(s);
    delete s.facts.upgrade;
    event(s, 'Normal', 'Upgraded', `Kubernetes upgraded from ${u.from} to ${u.to} on every node`);
    s.facts.nodes = await kube(s).listNodes();
    return proceed();
  },
};

/** Runs one upgrade step; false while a drain is still waiting for pods to go. */
async function runUpgradeStep(s: Scope, st: UpgradeStep): Promise<boolean> {
  if (st.action === 'drain') {
    await kube(s).mergePatch({ apiVersion: 'v1', kind: 'Node', name: st.node }, { spec: { unschedulable: true } });
    return drain(s, st.node);
  }
  if (st.action === 'uncordon') {
    await kube(s).mergePatch({ apiVersion: 'v1', kind: 'Node', name: st.node }, { spec: { unschedulable: false } });
    return true;
  }
  await run(s, st.node, renderUpgradeStepScript(st)!, describeUpgradeStep(st), 600_000);
  if (st.action === 'kubeadmUpgradeApply') {
    // the API server runs the new version from here on (status.kubernetesVersion)
    s.rec.kubernetesVersion = s.rec.upgrade?.to ?? s.rec.kubernetesVersion;
  }
  return true;
}

/**
 * Certificate expiry (kubeadm certs check-expiration, parsed) kept in the record and status; once
 * the first certificate expires within spec.certificates.renewBefore: kubeadm certs renew all, the
 * control-plane static pods restarted, and the stored kubeconfig fetched again when admin.conf changed.
 */
const certificates: Step<Scope> = {
  name: 'certificates',
  async run(s) {
    const last = s.rec.certificates;
    const due = !last || s.rt.clock.now() - Date.parse(last.checkedAt) >= s.o.certCheckIntervalMs;
    if (!due) return proceed();
    const cp = s.spec.controlPlane.vm;
    const now = new Date(s.rt.clock.now());
    const renewBeforeMs = parseRenewBefore(s.spec.certificates.renewBefore) ?? 30 * 86_400_000;
    let certs;
    try {
      certs = parseCertExpiration(await run(s, cp, 'kubeadm certs check-expiration', 'kubeadm certs check-expiration'));
    } catch (e) {
      throw new StepError('RenewFailed', `reading certificate expiry: ${errorMessage(e)}`);
    }
    const d = decideCertRenewal(certs, now, renewBeforeMs / 86_400_000);
    s.rec.certificates = { ...(last ?? {}), checkedAt: now.toISOString(), ...(d.earliest ? { earliest: d.earliest.name, notAfter: d.earliest.notAfter.toISOString() } : {}) };
    save(s);
    if (!d.renew) return proceed();
    s.facts.certsRenewing = d.message;
    event(s, d.expired ? 'Warning' : 'Normal', 'Renewing', d.message);
    try {
      const before = await run(s, cp, 'cat /etc/kubernetes/admin.conf', 'reading admin.conf');
      await run(s, cp, renderCertRenewalScript(), 'kubeadm certs renew all', 300_000);
      const after = parseCertExpiration(await run(s, cp, 'kubeadm certs check-expiration', 'kubeadm certs check-expiration'));
      const e = decideCertRenewal(after, new Date(s.rt.clock.now()), renewBeforeMs / 86_400_000);
      if (e.renew) throw new Error(`after renewal ${e.message}`);
      s.rec.certificates = { checkedAt: new Date(s.rt.clock.now()).toISOString(), renewedAt: new Date(s.rt.clock.now()).toISOString(), ...(e.earliest ? { earliest: e.earliest.name, notAfter: e.earliest.notAfter.toISOString() } : {}) };
      save(s);
      if ((await run(s, cp, 'cat /etc/kubernetes/admin.conf', 'reading admin.conf')) !== before) await storeAdminKubeconfig(s);
    } catch (e) {
      event(s, 'Warning', 'RenewFailed', `Renewing certificates on ${cp}: ${errorMessage(e)}`);
      throw new StepError('RenewFailed', `renewing certificates on ${cp}: ${errorMessage(e)}`);
    }
    delete s.facts.certsRenewing;
    event(s, 'Normal', 'CertificatesRenewed', `Certificates renewed on ${cp}; the first now expires on ${s.rec.certificates.notAfter ?? 'an unknown date'}`);
    return proceed();
  },
};

export function driftMessage(vm: string, from: string, to: string): string {
  return `The control-plane VM ${vm} changed its address from ${from} (the one kubeadm init used, in the API server certificate and every kubeconfig) to ${to}. Give the VM its old address back (a DHCP reservation or a static IP), or delete and recreate the cluster`;
}

// The CNI install and the workers' joins both need only the initialised control plane (reference §3:
// kubeadm join does not need the CNI, nodes stay NotReady until it runs), so they run at once.
const steps: readonly Step<Scope>[] = [validate, versionCheck, power, infrastructure, recreated, addressDrift, prepareNodes, initControlPlane, fetchKubeconfig, concurrently('cni-workers', [cni, workers]), upgrade, certificates, health];

// ---- deletion ---------------------------------------------------------------------------------

const deleteSteps: readonly Step<Scope>[] = [
  {
    name: 'wait-for-referrers',
    async run(s) {
      const referrers = CLUSTER_REFERRERS.flatMap((k) => s.rt.store.list(k).filter((o) => (o.spec as { cluster?: string }).cluster === s.name).map((o) => `${k}/${o.metadata.name}`));
      if (referrers.length) return waitFor(s.o.waitMs, 'Deleting', `waiting for ${referrers.join(', ')} to be deleted first: they still use this cluster`);
      return proceed();
    },
  },
  {
    name: 'reset-nodes',
    async run(s) {
      if (s.spec.deletionPolicy === 'Retain') return proceed();
      // Only the nodes this cluster itself initialised or joined (its record), never what its spec merely names.
      const cp = initialisedVmOf(s.rec, s.spec.controlPlane.vm);
      const plan = nodesToReset({ ...(cp ? { initialisedVm: cp } : {}), joinedVms: Object.keys(s.rec.joined), ownedByOthers: vmsOwnedByOthers(s) });
      if (!plan.reset.length && !plan.leftAlone.length) event(s, 'Normal', 'NothingToReset', nothingToResetMessage(allVms(s)));
      for (const l of plan.leftAlone) event(s, 'Warning', 'NodeLeftAlone', `${l.node} not reset: the record of Cluster ${l.owner} names it as its node`);
      for (const { node: vm, role } of plan.reset) {
        if (!vmReady(s, vm)) continue; // gone or stopped: nothing to reset there
        if (role === 'control-plane') {
          // the guest's init sentinels must name us (or be absent): another cluster's control plane stays
          const kv = factsOf(await run(s, vm, FACTS_SCRIPT, 'reading the control plane state'));
          const foreign = [kv.get('started'), kv.get('done')].find((v) => v !== undefined && v.trim() !== identity(s));
          if (foreign) {
            event(s, 'Warning', 'NodeLeftAlone', `${vm} not reset: its init sentinel names ${foreign.trim()}, not ${identity(s)}`);
            continue;
          }
        }
        await run(s, vm, `${resetNodeScript()}\nrm -f ${INIT_STARTED_SENTINEL} ${INIT_DONE_SENTINEL}\n`, 'kubeadm reset', 150_000);
        event(s, 'Normal', 'NodeReset', `kubeadm reset on ${vm} (${role === 'control-plane' ? 'this cluster ran kubeadm init there' : 'this cluster joined it'})`);
      }
      return proceed();
    },
  },
  {
    name: 'remove-kubeconfig',
    async run(s) {
      new PowerHolds(s.rt.stateDir.root).release(objectKey('Cluster', s.name));
      removeMergedContext(s);
      removeClusterFiles(s.rt.stateDir.root, s.name);
      return proceed();
    },
  },
];

export type { ChainOutcome };
