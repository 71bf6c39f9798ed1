// The init-once decision for the control plane (reference clusters.md §2.4 and §2.8 step 3).
// kubeadm init must never run twice on a node: the runtime writes a "started" sentinel (our
// identity) before `kubeadm init` and a "done" sentinel after it exits 0, both under
// /var/lib/hostplane so they survive reboots, and probes the node's files, processes and API.
// This function turns those facts into one state and one action. Only remediation.allowReinit
// lets a half-done init be reset and run again, and that is announced with a Warning event.
// "The same node" is the same VM incarnation: a control-plane VM deleted and created again is a new
// machine (node-identity.ts), reported as ControlPlaneLost and initialised only with allowReinit.

export const SENTINEL_DIR = '/var/lib/hostplane';
export const INIT_STARTED_SENTINEL = `${SENTINEL_DIR}/kubeadm-init.started`;
export const INIT_DONE_SENTINEL = `${SENTINEL_DIR}/kubeadm-init.done`;

export interface InitFacts {
  /** Content of the started sentinel (the identity that wrote it), undefined when absent. */
  startedSentinel?: string;
  /** Content of the done sentinel, undefined when absent. */
  doneSentinel?: string;
  /** /etc/kubernetes/admin.conf exists. */
  adminConf: boolean;
  /** Static pod manifests exist in /etc/kubernetes/manifests (kube-apiserver.yaml …). */
  manifests: boolean;
  /** Other files kubeadm writes exist: kubelet.conf or pki/ca.crt. */
  otherKubeadmFiles: boolean;
  /** A `kubeadm init` process is alive on the node (it outlives a killed `up`). */
  kubeadmRunning: boolean;
  kubeletRunning: boolean;
  /** https://<cp>:6443/readyz answered ok with admin.conf. */
  apiReady: boolean;
  /** Milliseconds since the started sentinel was written (its mtime), when known. */
  sinceStartedMs?: number;
}

export interface InitContext {
  /** Who we are, written into the sentinels, e.g. "cluster/dev uid=…". */
  identity: string;
  /** status.initialization.controlPlaneInitialized: a one-way latch. */
  latched: boolean;
  allowReinit: boolean;
  /** How long a control plane whose init process is gone may take to answer /readyz. Default 5 minutes. */
  startupGraceMs?: number;
}

export type InitState =
  | 'NotInitialised'
  | 'InitInProgress'
  | 'InitInProgressInterrupted'
  | 'Initialised'
  | 'ForeignControlPlane'
  | 'NeedsReinit'
  | 'NeedsReinitButNotAllowed';

export type InitAction =
  /** Write the started sentinel, run kubeadm init, write the done sentinel. */
  | 'init'
  /** Come back later; nothing to run now. */
  | 'wait'
  | 'none'
  /** Init finished but the done sentinel is missing: write it (never re-run init). */
  | 'recordSentinel'
  /** kubeadm reset -f, remove the sentinels, then init (only with allowReinit). */
  | 'resetAndInit'
  /** Leave the node alone and tell a person. */
  | 'report';

/** ControlPlaneInitialized reasons this decision produces (all listed in crds/cluster.yaml). */
export const INIT_REASONS = ['Initialized', 'Initializing', 'PartialInit', 'ForeignControlPlane', 'Reinitializing', 'ControlPlaneLost'] as const;
export type InitReason = (typeof INIT_REASONS)[number];
/** Stalled reasons this decision produces. */
export const INIT_STALLED_REASONS = ['ReinitRequired', 'ForeignControlPlane'] as const;

export interface InitDecision {
  state: InitState;
  action: InitAction;
  /** ControlPlaneInitialized status and reason. */
  initialized: boolean;
  reason: InitReason;
  message: string;
  /** Stalled=True with this reason when progress needs a person. */
  stalled?: (typeof INIT_STALLED_REASONS)[number];
  /** A Warning event the runtime must record (reinit announced, foreign node reported). */
  warning?: string;
}

const DEFAULT_GRACE_MS = 5 * 60_000;

export function decideInit(f: InitFacts, ctx: InitContext): InitDecision {
  const grace = ctx.startupGraceMs ?? DEFAULT_GRACE_MS;
  const anyFiles = f.adminConf || f.manifests || f.otherKubeadmFiles;
  const complete = f.adminConf && f.manifests;
  const foreign = (who: string | undefined) => who !== undefined && who.trim() !== ctx.identity;

  if (foreign(f.doneSentinel) || foreign(f.startedSentinel)) {
    const who = (f.doneSentinel ?? f.startedSentinel)!.trim();
    return foreignDecision(`The control-plane node was initialised by ${who || 'someone else'}, not by ${ctx.identity}; hostplane leaves it alone. Reset the node by hand or pick another VM`);
  }

  if (f.doneSentinel !== undefined) {
    return {
      state: 'Initialised',
      action: 'none',
      initialized: true,
      reason: 'Initialized',
      message: f.apiReady ? 'kubeadm init succeeded' : 'kubeadm init succeeded; the API server does not answer /readyz yet',
    };
  }

  if (f.startedSentinel === undefined) {
    if (!anyFiles) {
      if (!ctx.latched) return { state: 'NotInitialised', action: 'init', initialized: false, reason: 'Initializing', message: 'Running kubeadm init' };
      return reinit(ctx, 'ControlPlaneLost', 'The cluster was initialised before but the control-plane node has no kubeadm files or sentinel any more (VM replaced or reset)', false);
    }
    if (ctx.latched && complete) {
      return { state: 'Initialised', action: 'recordSentinel', initialized: true, reason: 'Initialized', message: 'kubeadm init succeeded earlier; restoring the missing sentinel' };
    }
    return foreignDecision('/etc/kubernetes on the control-plane node was not written by hostplane (no sentinel); it is reported, not reset. Run kubeadm reset on it or pick another VM');
  }

  // Our started sentinel without the done sentinel: init began and we never saw it end.
  if (f.kubeadmRunning) {
    return { state: 'InitInProgress', action: 'wait', initialized: false, reason: 'Initializing', message: 'kubeadm init is still running on the control-plane node' };
  }
  if (complete && f.apiReady) {
    return { state: 'Initialised', action: 'recordSentinel', initialized: true, reason: 'Initialized', message: 'kubeadm init finished while hostplane was away; recording it' };
  }
  if (complete && f.kubeletRunning && (f.sinceStartedMs ?? Infinity) < grace) {
    return { state: 'InitInProgressInterrupted', action: 'wait', initialized: false, reason: 'Initializing', message: 'kubeadm init was interrupted after writing its files; waiting for the API server to answer /readyz' };
  }
  const what = anyFiles ? 'left a partial control plane (files present, API server not ready)' : 'was interrupted before it wrote any files';
  return reinit(ctx, 'PartialInit', `kubeadm init ${what}`, anyFiles);
}

function foreignDecision(message: string): InitDecision {
  return { state: 'ForeignControlPlane', action: 'report', initialized: false, reason: 'ForeignControlPlane', message, stalled: 'ForeignControlPlane', warning: message };
}

function reinit(ctx: InitContext, reason: 'PartialInit' | 'ControlPlaneLost', what: string, needsReset: boolean): InitDecision {
  if (ctx.allowReinit) {
    const message = `${what}; remediation.allowReinit is set, so hostplane ${needsReset ? 'resets the node and ' : ''}runs kubeadm init again (etcd data is lost)`;
    return { state: 'NeedsReinit', action: needsReset ? 'resetAndInit' : 'init', initialized: false, reason: 'Reinitializing', message, warning: message };
  }
  const how = needsReset ? 'to reset and re-initialise, or repair the node by hand' : 'to run it again (no kubeadm file was written, so nothing needs resetting)';
  const message = `${what}; kubeadm init is never run twice on its own. Set spec.remediation.allowReinit: true ${how}`;
  // A stall that needs a person is also a Warning event, so `up` prints it and `events` shows it.
  return { state: 'NeedsReinitButNotAllowed', action: 'report', initialized: false, reason, message, stalled: 'ReinitRequired', warning: message };
}
