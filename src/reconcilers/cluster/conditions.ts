// The Cluster's condition vocabulary: per condition type, the closed set of reasons it may carry, as
// crds/cluster.yaml documents them (kinds.test.ts checks one way, condition-vocabulary.test.ts the
// other: one vocabulary). ControllerNotImplemented is what the placeholder sets until the controller
// exists; InvalidReference and DependencyCycle come from the reference check every kind runs on load.
export const CLUSTER_CONDITION_REASONS = {
  Ready: ['Available', 'StoppedAsDesired', 'DependencyNotReady', 'Provisioning', 'Initializing', 'Joining', 'Degraded', 'Suspended', 'Deleting', 'InvalidSpec', 'InvalidReference', 'DependencyCycle', 'Upgrading', 'UpgradeRefused', 'Stopping', 'Starting', 'ControllerNotImplemented'],
  Available: ['Available', 'APIServerUnreachable', 'NodesNotReady', 'CNINotReady', 'NotChecked'],
  InfrastructureReady: ['VMsReady', 'VMsNotReady', 'VMNotFound'],
  NodesPrepared: ['Prepared', 'Preparing', 'SwapEnabled', 'ModuleMissing', 'RuntimeNotReady', 'PackageInstallFailed'],
  ControlPlaneInitialized: ['Initialized', 'WaitingForInfrastructure', 'Initializing', 'InitFailed', 'PartialInit', 'ForeignControlPlane', 'Reinitializing', 'ControlPlaneLost'],
  KubeconfigAvailable: ['Available', 'FetchFailed', 'WaitingForControlPlane', 'NotChecked'],
  CNIReady: ['Ready', 'Installing', 'InstallFailed', 'AgentsNotReady', 'Disabled'],
  WorkersJoined: ['Joined', 'Joining', 'JoinFailed', 'Draining', 'NoWorkers', 'WaitingForVMs'],
  NodeAddressesStable: ['Stable', 'NodeAddressChanged', 'RepairingAddress', 'AddressRepaired', 'RepairFailed', 'NotInitialized'],
  VersionUpToDate: ['UpToDate', 'Upgrading', 'UpgradeRefused', 'UpgradeFailed', 'NotInitialized', 'NotObserved'],
  CertificatesValid: ['Valid', 'Renewing', 'RenewFailed', 'Unknown'],
  Reconciling: ['Progressing', 'ProgressingWithRetry'],
  Stalled: ['InvalidSpec', 'TerminalError', 'ReinitRequired', 'InvalidReference', 'DependencyCycle', 'ForeignControlPlane', 'UpgradeRefused'],
} as const satisfies Record<string, readonly string[]>;
