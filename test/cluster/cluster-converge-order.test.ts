// How fast a cluster converges comes from what waits for what: a worker's kubeadm join runs while
// the Cilium helm install is still going (join needs only the initialised control plane), and
// Ready follows the nodes' Ready through a watch, not the cluster's wait interval.
import { afterEach, describe, expect, it } from 'vitest';
import { createKubernetesPorts } from '../../src/app/kubernetes.js';
import type { KubernetesPorts } from '../../src/ports/index.js';
import type { GuestExec } from '../../src/ports/guest-exec.js';
import { clusterCondition, exampleLabFiles, makeLab, startClusterSim, waitClusterReady, type ClusterLab, type Lab } from '../fixtures/lab.js';

let lab: Lab | undefined;
let sim: ClusterLab | undefined;

afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

describe('Cluster convergence order', () => {
  it('starts the workers\' kubeadm join before the Cilium helm install returns', async () => {
    lab = makeLab(exampleLabFiles(['dev']));
    const log: string[] = [];
    let joinStarted!: () => void;
    const joinSeen = new Promise<void>((r) => (joinStarted = r));
    const wrapGuest = (g: GuestExec): GuestExec => ({
      async run(target, script, opts) {
        const joining = /kubeadm join --config/.test(script);
        if (joining) {
          log.push('join started');
          joinStarted();
        }
        const r = await g.run(target, script, opts);
        if (joining) log.push('join returned');
        return r;
      },
      upload: (t, p, c, o) => g.upload(t, p, c, o),
      forget: g.forget.bind(g),
      close: () => g.close(),
    });
    const ports = createKubernetesPorts({ stateRoot: lab.stateDir.root, sim: true });
    const kubernetes: KubernetesPorts = {
      ...ports,
      kube: (k) => ports.kube(k),
      async helm() {
        const h = await ports.helm();
        const upgradeInstall: typeof h.upgradeInstall = async (target, chart, opts) => {
          if (target.release !== 'cilium') return h.upgradeInstall(target, chart, opts);
          log.push('cilium install started');
          // held until a join starts (bounded): a join that waits for the install shows up as the wrong order below
          await Promise.race([joinSeen, new Promise((r) => setTimeout(r, 15_000))]);
          const r = await h.upgradeInstall(target, chart, opts);
          log.push('cilium install returned');
          return r;
        };
        return new Proxy(h, {
          get(t, prop, recv) {
            if (prop === 'upgradeInstall') return upgradeInstall;
            const v = Reflect.get(t, prop, recv) as unknown;
            return typeof v === 'function' ? v.bind(t) : v;
          },
        });
      },
    };
    sim = await startClusterSim(lab, { wrapGuest, kubernetes });
    await waitClusterReady(sim.manager, ['dev'], 80_000);
    const at = (what: string) => log.indexOf(what);
    expect(log, log.join(' → ')).toContain('cilium install returned');
    expect(at('join started'), log.join(' → ')).toBeGreaterThanOrEqual(0);
    expect(at('join started'), log.join(' → ')).toBeLessThan(at('cilium install returned'));
    expect(clusterCondition(sim.manager, 'dev', 'WorkersJoined')?.status).toBe('True');
  }, 90_000);

  it('becomes Ready when its nodes do, not one wait interval later', async () => {
    lab = makeLab(exampleLabFiles(['dev']));
    const home = lab.root;
    // A wait interval far beyond the bound: only an event (a Node or DaemonSet change) can bring Ready in time.
    sim = await startClusterSim(lab, { clusterOptions: { pollIntervalMs: 120_000, waitMs: 120_000, drainTimeoutMs: 5_000, certCheckIntervalMs: 1_000, home } });
    await waitClusterReady(sim.manager, ['dev'], 60_000);
    expect(clusterCondition(sim.manager, 'dev', 'Ready')?.status).toBe('True');
  }, 90_000);
});
