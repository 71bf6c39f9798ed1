// The Addon's condition vocabulary: per condition type, the closed set of reasons it may set, as
// crds/addon.yaml documents them (kinds.test.ts and condition-vocabulary.test.ts check).
export const ADDON_CONDITION_REASONS = {
  Ready: ['InstallSucceeded', 'UpgradeSucceeded', 'TestSucceeded', 'Applied', 'InstallFailed', 'UpgradeFailed', 'TestFailed', 'ApplyFailed', 'RollbackSucceeded', 'UninstallSucceeded', 'RollbackFailed', 'UninstallFailed', 'ArtifactFailed', 'DependencyNotReady', 'HealthCheckFailed', 'Progressing', 'Suspended', 'InvalidReference', 'DependencyCycle', 'ValuesInvalid', 'NameConflict', 'DriftDetected', 'RetriesExceeded', 'InvalidSpec'],
  Released: ['InstallSucceeded', 'InstallFailed', 'UpgradeSucceeded', 'UpgradeFailed', 'Applied', 'ApplyFailed'],
  Remediated: ['RollbackSucceeded', 'UninstallSucceeded', 'RollbackFailed', 'UninstallFailed'],
  TestSuccess: ['TestSucceeded', 'TestFailed'],
  Drifted: ['DriftDetected', 'NoDriftDetected'],
  Reconciling: ['Progressing', 'ProgressingWithRetry'],
  Stalled: ['RetriesExceeded', 'InvalidSpec', 'ReleaseLocked', 'InvalidReference', 'DependencyCycle', 'NameConflict'],
} as const satisfies Record<string, readonly string[]>;
