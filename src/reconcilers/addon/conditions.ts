// The Addon's condition vocabulary: per condition type, the closed set of reasons it may carry, as
// crds/addon.yaml documents them (kinds.test.ts checks). ControllerNotImplemented is what the
// placeholder sets until the controller exists.
export const ADDON_CONDITION_REASONS = {
  Ready: ['InstallSucceeded', 'UpgradeSucceeded', 'TestSucceeded', 'Applied', 'InstallFailed', 'UpgradeFailed', 'TestFailed', 'ApplyFailed', 'RollbackSucceeded', 'UninstallSucceeded', 'RollbackFailed', 'UninstallFailed', 'ArtifactFailed', 'DependencyNotReady', 'HealthCheckFailed', 'Progressing', 'Suspended', 'ControllerNotImplemented'],
  Released: ['InstallSucceeded', 'InstallFailed', 'UpgradeSucceeded', 'UpgradeFailed', 'Applied', 'ApplyFailed'],
  Remediated: ['RollbackSucceeded', 'UninstallSucceeded', 'RollbackFailed', 'UninstallFailed'],
  TestSuccess: ['TestSucceeded', 'TestFailed'],
  Drifted: ['DriftDetected', 'NoDriftDetected'],
  Reconciling: ['Progressing', 'ProgressingWithRetry'],
  Stalled: ['RetriesExceeded', 'InvalidSpec', 'ReleaseLocked'],
} as const satisfies Record<string, readonly string[]>;
