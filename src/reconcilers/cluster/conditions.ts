// The Cluster's condition vocabulary: per condition type, the closed set of reasons it may carry, as
// crds/cluster.yaml documents them (kinds.test.ts checks). ControllerNotImplemented is what the
// placeholder sets until the controller exists.
export const CLUSTER_CONDITION_REASONS = {
  Ready: ['Available', 'StoppedAsDesired', 'DependencyNotReady', 'Provisioning', 'Initializing', 'Joining', 'Degraded', 'Suspended', 'Deleting', 'InvalidSpec', 'ControllerNotImplemented'],
  Available: ['Available', 'APIServerUnreachable', 'NodesNotReady', 'CNINotReady'],
  InfrastructureReady: ['VMsReady', 'VMsNotReady', 'VMNotFound'],
  NodesPrepared: ['Prepared', 'Preparing', 'SwapEnabled', 'ModuleMissing', 'RuntimeNotReady', 'PackageInstallFailed'],
  ControlPlaneInitialized: ['Initialized', 'WaitingForInfrastructure', 'Initializing', 'InitFailed', 'PartialInit'],
  KubeconfigAvailable: ['Available', 'FetchFailed', 'WaitingForControlPlane'],
  CNIReady: ['Ready', 'Installing', 'InstallFailed', 'AgentsNotReady', 'Disabled'],
  WorkersJoined: ['Joined', 'Joining', 'JoinFailed', 'Draining', 'NoWorkers'],
  NodeAddressesStable: ['Stable', 'NodeAddressChanged'],
  Reconciling: ['Progressing', 'ProgressingWithRetry'],
  Stalled: ['InvalidSpec', 'TerminalError', 'ReinitRequired'],
} as const satisfies Record<string, readonly string[]>;
