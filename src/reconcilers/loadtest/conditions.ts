// The LoadTest's condition vocabulary: per condition type, the closed set of reasons it may carry, as
// crds/loadtest.yaml documents them (kinds.test.ts checks). ControllerNotImplemented is what the
// placeholder sets until the controller exists.
export const LOADTEST_CONDITION_REASONS = {
  Succeeded: ['RunSucceeded', 'ThresholdsCrossed', 'StressFailed', 'RunError', 'Timeout', 'Cancelled', 'NeverRun', 'LimitReached'],
  Ready: ['Ready', 'DependencyNotReady', 'MetricsUnavailable', 'HPANotActive', 'Suspended', 'InvalidSpec', 'InvalidReference', 'DependencyCycle', 'ControllerNotImplemented'],
  Running: ['Running', 'Cooldown', 'Idle', 'Pending', 'Collecting'],
  ThresholdsPassed: ['Passed', 'Crossed', 'NoThresholds'],
  Reconciling: ['Progressing', 'ProgressingWithRetry'],
  Stalled: ['InvalidSpec', 'TerminalError', 'InvalidReference', 'DependencyCycle'],
} as const satisfies Record<string, readonly string[]>;
