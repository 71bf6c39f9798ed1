// The stderr samples follow the error strings of helm 3 (cmd/helm at v3.x) and helm 4 (pkg/cmd,
// pkg/action, pkg/kube/statuswait.go), as listed in shared/reference/addons-loadtests.md §2.3.
import { describe, expect, it } from 'vitest';
import { classifyHelmError } from './helm-errors.js';

describe('helm error classification', () => {
  it.each([
    ['a locked release', 'upgrade', 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n', 'Locked', 'UpgradeFailed', true, /locked/],
    ['helm 3 name in use', 'install', 'Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n', 'NameInUse', 'InstallFailed', true, /upgrades it/],
    ['helm 4 name in use', 'install', 'Error: INSTALLATION FAILED: cannot reuse a name that is still in use\n', 'NameInUse', 'InstallFailed', true, /upgrades it/],
    ['no deployed releases', 'upgrade', 'Error: UPGRADE FAILED: "jenkins" has no deployed releases\n', 'NoDeployedReleases', 'UpgradeFailed', true, /installs it/],
    ['release not found', 'uninstall', 'Error: uninstall: Release not loaded: jenkins: release: not found\n', 'ReleaseNotFound', 'UninstallFailed', true, /does not exist/],
    ['helm 3 wait timeout', 'install', 'Error: INSTALLATION FAILED: timed out waiting for the condition\n', 'Timeout', 'InstallFailed', true, /raise spec\.timeout/],
    ['repository unreachable', 'pull', 'Error: looks like "https://charts.jenkins.io" is not a valid chart repository or cannot be reached: Get "https://charts.jenkins.io/index.yaml": dial tcp: lookup charts.jenkins.io: no such host\n', 'RepoUnreachable', 'ArtifactFailed', true, /cannot be reached/],
    ['unknown chart version', 'pull', 'Error: chart "jenkins" version "9.9.9" not found in https://charts.jenkins.io repository\n', 'ChartNotFound', 'ArtifactFailed', false, /Check spec\.helm\.chart, version and repo/],
    ['anything else', 'upgrade', 'Error: UPGRADE FAILED: rendered manifests contain a resource that already exists\n', 'Other', 'UpgradeFailed', true, /rendered manifests contain a resource that already exists/],
  ] as const)('%s', (_n, verb, stderr, kind, reason, retryable, msg) => {
    const e = classifyHelmError(verb, stderr, 'jenkins@5.7.15');
    expect([e.kind, e.reason, e.retryable]).toEqual([kind, reason, retryable]);
    expect(e.message).toMatch(msg);
  });

  it('names the values a chart schema rejected (seed 003 BUG-006; helm 3.17.3 wording, as `helm template` prints it)', () => {
    const e = classifyHelmError('upgrade', "Error: UPGRADE FAILED: values don't meet the specifications of the schema(s) in the following chart(s):\njenkins:\n- controller: Additional property adminPassword is not allowed\n", 'jenkins@5.7.15');
    expect(e.kind).toBe('SchemaRejected');
    expect(e.retryable).toBe(false);
    expect(e.rejected).toEqual(['controller: Additional property adminPassword is not allowed']);
    expect(e.message).toBe('The chart jenkins@5.7.15 rejected the values: controller: Additional property adminPassword is not allowed. Fix the values file or inline values (a renamed chart value?)');
  });

  it('names the rejected value in helm 4 wording too (captured from `helm template` of 4.1.4 with a values.schema.json)', () => {
    const e = classifyHelmError('install', "Error: INSTALLATION FAILED: values don't meet the specifications of the schema(s) in the following chart(s):\njenkins:\n- at '/controller': additional properties 'adminPassword' not allowed\n");
    expect(e.rejected).toEqual(["at '/controller': additional properties 'adminPassword' not allowed"]);
  });

  it('lists the resources the helm 4 watcher found not ready', () => {
    const stderr = 'Error: INSTALLATION FAILED: resource Deployment/monitoring/grafana not ready. status: InProgress, message: Available: 0/1\nresource PersistentVolumeClaim/jenkins/jenkins not ready. status: InProgress\ncontext deadline exceeded\n';
    const e = classifyHelmError('install', stderr);
    expect(e.kind).toBe('Timeout');
    expect(e.notReady).toEqual(['Deployment/monitoring/grafana InProgress: Available: 0/1', 'PersistentVolumeClaim/jenkins/jenkins InProgress']);
    expect(e.message).toMatch(/waiting for Deployment\/monitoring\/grafana InProgress: Available: 0\/1; PersistentVolumeClaim\/jenkins\/jenkins InProgress/);
  });
});
