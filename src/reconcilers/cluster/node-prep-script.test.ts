import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NodePrepOptionError, renderNodePrepSteps, renderStepScript } from './node-prep-script.js';

const steps = renderNodePrepSteps({ kubernetesVersion: '1.31' });
const byName = Object.fromEntries(steps.map((s) => [s.name, s]));

describe('node preparation steps', () => {
  it('cover swap, modules, sysctl, containerd, the apt repo, pinned packages and node tools, in that order', () => {
    expect(steps.map((s) => s.name)).toEqual(['swap-off', 'kernel-modules', 'sysctl', 'containerd', 'kubernetes-apt-repo', 'kubernetes-packages', 'node-tools']);
  });

  it('every rendered step is valid bash (bash -n)', () => {
    for (const s of steps) {
      const r = spawnSync('bash', ['-n'], { input: renderStepScript(s), encoding: 'utf8' });
      expect(r.status, `${s.name}: ${r.stderr}`).toBe(0);
    }
  });

  it.each([
    ['swap-off', /swapoff -a/, /\/etc\/fstab/],
    ['kernel-modules', /modprobe br_netfilter/, /grep -qx overlay \/etc\/modules-load\.d\/k8s\.conf/],
    ['sysctl', /net\.bridge\.bridge-nf-call-iptables = 1/, /sysctl -n net\.ipv4\.ip_forward/],
    ['containerd', /SystemdCgroup/, /systemctl is-active --quiet containerd/],
    ['kubernetes-apt-repo', /https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.31\/deb\/Release\.key/, /grep -qF 'https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.31\/deb\/'/],
    ['kubernetes-packages', /'kubeadm=1\.31\.9-\*'.*\napt-mark hold kubelet kubeadm kubectl/, /apt-mark showhold \| grep -qx kubectl/],
    ['node-tools', /apt-get install -y -q conntrack socat/, /command -v conntrack/],
  ])('%s does the work and probes for it', (name, script, probe) => {
    expect(byName[name]!.script).toMatch(script);
    expect(byName[name]!.unless).toMatch(probe);
  });

  it('pins the exact patch the spec names', () => {
    const pk = renderNodePrepSteps({ kubernetesVersion: '1.32.3' }).find((s) => s.name === 'kubernetes-packages')!;
    expect(pk.script).toContain("'kubelet=1.32.3-*'");
    expect(pk.unless).toContain("grep -q '^1\\.32\\.3-'");
  });

  it('never nests a shell or sudo inside the script (sent once through sudo bash -s)', () => {
    for (const s of steps) expect(`${s.script}\n${s.unless}`).not.toMatch(/\b(sudo|bash -c|sh -c|eval)\b/);
  });

  it('can leave conntrack out', () => {
    expect(renderNodePrepSteps({ kubernetesVersion: '1.33', conntrack: false }).find((s) => s.name === 'node-tools')!.script).not.toContain('conntrack');
  });

  it.each([
    [{ kubernetesVersion: '1.29' }, 'spec.kubernetesVersion', /not supported; use one of 1\.31, 1\.32, 1\.33/],
    [{ kubernetesVersion: '1.31; rm -rf /' }, 'spec.kubernetesVersion', /not supported/],
    [{ kubernetesVersion: '1.31', sandboxImage: 'pause"; reboot; "' }, 'sandboxImage', /not an image reference/],
  ])('refuses unsafe or unsupported options %o', (opts, field, msg) => {
    try {
      renderNodePrepSteps(opts);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NodePrepOptionError);
      expect((e as NodePrepOptionError).field).toBe(field);
      expect((e as Error).message).toMatch(msg);
    }
  });

  it('a probe that holds skips the work (run against a stub that succeeds)', () => {
    const script = renderStepScript({ name: 'demo', unless: 'true', script: 'echo WORK' });
    const r = spawnSync('bash', [], { input: script, encoding: 'utf8' });
    expect(r.stdout).toContain('already done');
    expect(r.stdout).not.toContain('WORK');
    const r2 = spawnSync('bash', [], { input: renderStepScript({ name: 'demo', unless: 'test -e /nonexistent-x', script: 'echo WORK' }), encoding: 'utf8' });
    expect(r2.stdout).toContain('WORK');
    expect(r2.status).toBe(1); // the work did not make the probe true
  });
});

describe('containerd step on a node that already has a config', () => {
  it('keeps an existing config and only flips SystemdCgroup (run against a temp copy)', async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'containerd-'));
    const cfg = join(dir, 'config.toml');
    writeFileSync(cfg, 'version = 2\n# tuned by the image\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = false\n');
    const step = renderNodePrepSteps({ kubernetesVersion: '1.31' }).find((s) => s.name === 'containerd')!;
    // only the config lines, pointed at the temp file (no package install, no systemctl)
    const lines = step.script.split('\n').filter((l) => l.includes('/etc/containerd/config.toml') && !l.startsWith('mkdir')).map((l) => l.split('/etc/containerd/config.toml').join(cfg));
    const r = spawnSync('bash', ['-e'], { input: lines.join('\n'), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = readFileSync(cfg, 'utf8');
    expect(out).toContain('# tuned by the image');
    expect(out).toMatch(/SystemdCgroup = true/);
  });
});
