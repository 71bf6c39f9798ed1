import { describe, expect, it } from 'vitest';
import { decideCertRenewal, describeUpgradeStep, parseRenewBefore, planUpgrade, renderCertRenewalScript, renderUpgradeStepScript, type UpgradeNode, type UpgradeStep } from './upgrade-plan.js';

const nodes = (cp: string, w1: string, w2 = w1): UpgradeNode[] => [
  { name: 'cp', role: 'control-plane', kubeletVersion: cp },
  { name: 'w2', role: 'worker', kubeletVersion: w2 },
  { name: 'w1', role: 'worker', kubeletVersion: w1 },
];

describe('upgrade plan', () => {
  it.each([
    ['same version everywhere: nothing', 'v1.31.9', '1.31', nodes('v1.31.9', 'v1.31.9'), 'none', undefined],
    ['two minors at once is refused', 'v1.31.9', '1.33', nodes('v1.31.9', 'v1.31.9'), 'refused', 'SkipsMinor'],
    ['a downgrade is refused', 'v1.32.5', '1.31', nodes('v1.32.5', 'v1.32.5'), 'refused', 'Downgrade'],
    ['an unsupported target is refused', 'v1.31.9', '1.40', nodes('v1.31.9', 'v1.31.9'), 'refused', 'Unsupported'],
    ['an unreadable current version is refused', 'garbage', '1.32', nodes('v1.31.9', 'v1.31.9'), 'refused', 'UnknownCurrentVersion'],
    ['one minor up upgrades', 'v1.31.9', '1.32', nodes('v1.31.9', 'v1.31.9'), 'upgrade', undefined],
  ])('%s', (_n, cur, want, ns, kind, reason) => {
    const d = planUpgrade(cur, want, ns);
    expect(d.kind).toBe(kind);
    if (d.kind === 'refused') expect(d.reason).toBe(reason);
  });

  it('upgrades the control plane first, then each worker drained and uncordoned, in name order', () => {
    const d = planUpgrade('v1.31.9', '1.32', nodes('v1.31.9', 'v1.31.9'));
    if (d.kind !== 'upgrade') throw new Error(d.kind);
    expect(d.steps.map((s) => `${s.node}:${s.action}`)).toEqual([
      'cp:switchAptRepo', 'cp:installKubeadm', 'cp:kubeadmUpgradeApply', 'cp:drain', 'cp:installKubeletKubectl', 'cp:restartKubelet', 'cp:uncordon',
      'w1:drain', 'w1:switchAptRepo', 'w1:installKubeadm', 'w1:kubeadmUpgradeNode', 'w1:installKubeletKubectl', 'w1:restartKubelet', 'w1:uncordon',
      'w2:drain', 'w2:switchAptRepo', 'w2:installKubeadm', 'w2:kubeadmUpgradeNode', 'w2:installKubeletKubectl', 'w2:restartKubelet', 'w2:uncordon',
    ]);
    expect(d.steps.find((s) => s.action === 'kubeadmUpgradeApply')).toMatchObject({ version: 'v1.32.5' });
  });

  it('resumes after the control plane was done: only the remaining worker', () => {
    const d = planUpgrade('v1.32.5', '1.32', nodes('v1.32.5', 'v1.32.5', 'v1.31.9'));
    if (d.kind !== 'upgrade') throw new Error(d.kind);
    expect([...new Set(d.steps.map((s) => s.node))]).toEqual(['w2']);
  });

  it('the message of a skipped minor says which version to set first', () => {
    const d = planUpgrade('v1.31.9', '1.33', []);
    expect(d.kind === 'refused' && d.message).toMatch(/Set spec\.kubernetesVersion to 1\.32 first, then 1\.33/);
  });
});

describe('certificate renewal', () => {
  const now = new Date('2026-12-06T00:00:00Z');
  const day = 86_400_000;
  const cert = (name: string, days: number) => ({ name, notAfter: new Date(now.getTime() + days * day) });
  it.each([
    ['nothing known', [], false],
    ['all far off', [cert('apiserver', 300), cert('admin.conf', 200)], false],
    ['one inside the window', [cert('apiserver', 300), cert('admin.conf', 20)], true],
    ['one expired', [cert('etcd-server', -1)], true],
  ])('%s → renew %s', (_n, certs, renew) => {
    expect(decideCertRenewal(certs, now).renew).toBe(renew);
  });
  it('names the first certificate to expire', () => {
    expect(decideCertRenewal([cert('apiserver', 300), cert('admin.conf', 20)], now).message).toMatch(/admin\.conf expires in 20 days/);
    expect(decideCertRenewal([cert('etcd-server', -1)], now)).toMatchObject({ renew: true, expired: true });
  });
});

describe('upgrade step scripts', () => {
  it.each<[UpgradeStep, RegExp[] | undefined, string]>([
    [{ node: 'cp', action: 'switchAptRepo', minor: '1.32' }, [/core:\/stable:\/v1\.32\/deb\//], 'switch cp to the v1.32 package repository'],
    [{ node: 'cp', action: 'installKubeadm', version: '1.32.5' }, [/apt-mark unhold kubeadm/, /'kubeadm=1\.32\.5-\*'/, /--allow-change-held-packages/, /apt-mark hold kubeadm\n/], 'install kubeadm 1.32.5 on cp'],
    [{ node: 'w1', action: 'installKubeletKubectl', version: '1.32.5' }, [/'kubelet=1\.32\.5-\*' 'kubectl=1\.32\.5-\*'/, /apt-mark hold kubelet kubectl/], 'install kubelet and kubectl 1.32.5 on w1'],
    [{ node: 'cp', action: 'kubeadmUpgradeApply', version: 'v1.32.5' }, [/^set -euo pipefail\nkubeadm upgrade apply -y v1\.32\.5\n$/], 'kubeadm upgrade apply v1.32.5 on cp'],
    [{ node: 'w1', action: 'kubeadmUpgradeNode' }, [/kubeadm upgrade node\n$/], 'kubeadm upgrade node on w1'],
    [{ node: 'w1', action: 'restartKubelet' }, [/systemctl daemon-reload\nsystemctl restart kubelet/], 'restart the kubelet on w1'],
    [{ node: 'w1', action: 'drain' }, undefined, 'cordon and drain w1'],
    [{ node: 'w1', action: 'uncordon' }, undefined, 'uncordon w1'],
  ])('%o', (step, patterns, description) => {
    const script = renderUpgradeStepScript(step);
    if (!patterns) expect(script).toBeUndefined();
    else for (const p of patterns) expect(script).toMatch(p);
    expect(describeUpgradeStep(step)).toBe(description);
  });
});

describe('certificate renewal', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['720h', 720 * 3_600_000],
    ['90m', 90 * 60_000],
    ['30', undefined],
    ['1w', undefined],
  ])('renewBefore %s is %s ms', (text, ms) => {
    expect(parseRenewBefore(text)).toBe(ms);
  });

  it('renews all, then moves each static pod manifest out and back a fileCheckFrequency apart', () => {
    const s = renderCertRenewalScript();
    const at = (x: string) => s.indexOf(x);
    expect(at('kubeadm certs renew all')).toBeGreaterThan(0);
    expect(at('mv -f /etc/kubernetes/manifests/kube-apiserver.yaml')).toBeGreaterThan(at('kubeadm certs renew all'));
    expect(at('sleep 20')).toBeGreaterThan(at('mv -f /etc/kubernetes/manifests/etcd.yaml'));
    expect(at('/kube-apiserver.yaml /etc/kubernetes/manifests/')).toBeGreaterThan(at('sleep 20'));
  });
});
