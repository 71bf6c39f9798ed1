// The VirtualMachine reconcile chain: observe → ensure created → resources → power → address →
// guest reachable → provisioned. Each step observes before it acts; none assumes the last run.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import ssh2 from 'ssh2';
import type { GuestTarget } from '../../ports/guest-exec.js';
import { GuestError } from '../../ports/guest-exec.js';
import { shq } from '../../ports/shell.js';
import { ProviderError, type ObservedVm } from '../../ports/vm-provider.js';
import { getCondition } from '../../api/conditions.js';
import { redact } from '../../controllers/events.js';
import { appendRotating, rotateIfLarger } from '../../controllers/log-file.js';
import { StepError, TerminalError, errorMessage, proceed, waitFor, type Step } from '../../controllers/framework.js';
import { DEFAULT_CRASH_LOOP, recordUnexpectedStop } from './crash-loop.js';
import { InvalidProvisionError, pendingSteps, renderProvisionSteps, type ProvisionRecord } from './provision.js';
import type { VmRecord } from './records.js';
import { vmLogFile, type VmScope } from './scope.js';
import { toGiB, toMiB } from './spec.js';
import { classifyVm, replaced, type VmState } from './classify.js';

const name = (s: VmScope) => s.object.metadata.name;

function event(s: VmScope, type: 'Normal' | 'Warning', reason: string, message: string): void {
  s.deps.events.record({ object: s.key, type, reason, message });
}

/** Provider failures become step errors whose reason names the cause a person can act on. */
async function provider<T>(s: VmScope, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProviderError) {
      if (err.code === 'InvalidArgument') throw new TerminalError('InvalidSpec', `${what}: ${err.message}`);
      throw new StepError(err.code === 'CommandFailed' ? `${capitalize(what)}Failed` : err.code, `${what}: ${err.message}`, what);
    }
    throw err;
  }
}

/**
 * After a failed create, look again instead of guessing: if no VM of that name exists, nothing
 * leaked and the intent record goes (so a VM someone else makes later is never adopted as ours);
 * if one exists but the provider said it already existed, it is someone else's.
 */
async function settleFailedCreate(s: VmScope, err: unknown): Promise<void> {
  s.deps.observer.changed(name(s));
  let vm: Awaited<ReturnType<typeof s.deps.observer.get>>;
  try {
    vm = await s.deps.observer.get(name(s));
  } catch {
    return; // cannot tell: keep the intent record, the next reconcile decides
  }
  const alreadyExisted = err instanceof StepError && err.reason === 'AlreadyExists';
  if (!vm || alreadyExisted) {
    s.deps.records.remove(name(s));
    s.deps.capacity.release(s.key);
  }
  if (vm && alreadyExisted) {
    throw new TerminalError('NameConflict', `a VM named "${name(s)}" appeared on the host before hostplane could create it; it is left untouched — rename this object or remove that VM yourself`);
  }
}

/** A VM that does not fit waits (and says so once; the recorder folds repeats) instead of freezing the host. */
function waitForCapacity(s: VmScope, a: { reason: string; message: string }) {
  event(s, 'Warning', a.reason, `VM "${name(s)}" waits for host capacity: ${a.message}`);
  return waitFor(30_000, a.reason, a.message);
}

/** Our record of this VM: one proves ownership only on the provider that wrote it (a sim run's records say nothing about tart VMs). */
function ownRecord(s: VmScope): VmRecord | undefined {
  const rec = s.deps.records.get(name(s));
  return rec && rec.provider === s.deps.provider.name ? rec : undefined;
}

/** The state the steps act on; observe always sets it first. */
function state(s: VmScope): VmState['kind'] {
  return s.classified!.state.kind;
}

export const observe: Step<VmScope> = {
  name: 'observe',
  async run(s) {
    s.observed = await provider(s, 'observe', () => s.deps.observer.get(name(s)));
    const damaged = s.deps.records.unreadable(name(s));
    if (s.observed && damaged) {
      throw new TerminalError(
        'RecordUnreadable',
        `hostplane's record of VM "${name(s)}" (${damaged.path}) is unreadable (${damaged.why}), so it cannot tell whether it created this VM and leaves it untouched. To repair: restore that file from a backup; or move it aside (mv ${damaged.path} ${damaged.path}.broken) and delete the VM yourself so hostplane creates it again`,
      );
    }
    s.record = ownRecord(s);
    if (s.record && s.record.objectUid !== s.object.metadata.uid) {
      // A record of an earlier object with this name: the VM is still ours to manage.
      s.record = { ...s.record, objectUid: s.object.metadata.uid ?? s.record.objectUid };
    }
    s.classified = classifyVm(name(s), s.observed, s.record, s.spec);
    const st = s.classified.state;
    if (st.kind === 'Foreign') throw new TerminalError('NameConflict', st.message);
    if (s.observed && s.record?.phase === 'Created' && !s.record.incarnation) {
      s.record = s.deps.records.markCreated(name(s), s.record, s.observed.incarnation ?? randomUUID());
    }
    if (st.kind === 'CreateInterrupted') {
      // Killed between create and record: the VM of our deterministic name is the one we asked for.
      s.record = s.deps.records.markCreated(name(s), s.record!, s.observed!.incarnation ?? randomUUID());
      event(s, 'Normal', 'Adopted', `Adopted VM "${name(s)}" whose creation was interrupted`);
      s.classified = classifyVm(name(s), s.observed, s.record, s.spec);
    }
    return proceed();
  },
};

export const ensureCreated: Step<VmScope> = {
  name: 'create',
  async run(s) {
    if (state(s) !== 'Absent' && state(s) !== 'Missing') return proceed();
    const spec = s.spec;
    // Before the intent record and before reserving capacity: a bad secret must leave neither behind.
    const keys = guestKeys(s);
    if (spec.powerState === 'Running') {
      s.admission = s.deps.capacity.reserve(s.key, spec.cpu, toMiB(spec.memory));
      if (!s.admission.ok) return waitForCapacity(s, s.admission);
    }
    if (state(s) === 'Missing') {
      const message = `VM "${name(s)}" disappeared from the host; creating it again`;
      s.reportInterim?.('create', 'VMMissing', message);
      event(s, 'Warning', 'VMMissing', message);
    }
    // A recreated VM keeps the last IP its predecessor had, so a new address is reported as a change.
    const lastIp = s.record?.lastIp ?? (s.object.status?.ip as string | undefined);
    const rec = s.deps.records.markCreatePending(name(s), { providerName: name(s), provider: s.deps.provider.name, objectUid: s.object.metadata.uid ?? '', ...(lastIp ? { lastIp } : {}) });
    try {
      await provider(s, 'create', () =>
        s.deps.provider.create({
          name: name(s),
          image: spec.image,
          cpu: spec.cpu,
          memoryMiB: toMiB(spec.memory),
          diskGiB: toGiB(spec.diskSize),
          network: spec.network,
          dirs: spec.dirs,
          boot: spec.boot,
          guest: { hostname: spec.provision?.hostname, user: spec.ssh.user, ...keys },
        }),
      );
    } catch (err) {
      await settleFailedCreate(s, err);
      throw err;
    }
    s.deps.observer.changed(name(s));
    s.observed = await s.deps.observer.get(name(s));
    // Providers without VM ids (tart) get one of ours: a recreated VM must re-pin its host key and re-provision.
    s.record = s.deps.records.markCreated(name(s), rec, s.observed ? (s.observed.incarnation ?? randomUUID()) : undefined);
    event(s, 'Normal', 'Created', `Created VM "${name(s)}" from ${spec.image} (${spec.cpu} vCPU, ${spec.memory}, disk ${spec.diskSize})`);
    if (!s.observed) throw new StepError('CreateFailed', `VM "${name(s)}" was created but the provider does not list it`);
    // Observed again, classified again: a VM created in this pass is Stopped (ours, never started).
    s.classified = classifyVm(name(s), s.observed, s.record, s.spec);
    return proceed();
  },
};

export const ensureResources: Step<VmScope> = {
  name: 'resources',
  async run(s) {
    const vm = s.observed;
    const plan = s.classified!.resize;
    if (!vm || plan.kind !== 'apply') return proceed();
    const { changes, cpu, memoryMiB, diskGiB, restart } = plan;
    if (restart && s.spec.powerState === 'Running') {
      // Check the bigger size fits before stopping: a VM must not go down for a start the host refuses.
      const fits = s.deps.capacity.reserve(s.key, cpu, memoryMiB);
      if (!fits.ok) {
        s.classified = { ...s.classified!, resize: { kind: 'heldForCapacity', changes, reason: fits.reason, message: fits.message } };
        return proceed();
      }
    }
    if (restart) {
      event(s, 'Normal', 'Restarting', `Stopping VM "${name(s)}" to apply ${changes.join(', ')}`);
      s.deps.records.setRunning(name(s), false);
      await provider(s, 'stop', () => s.deps.provider.stop(name(s), { timeoutSeconds: s.deps.stopTimeoutSeconds }));
      s.deps.guest.forget(s.key);
      s.deps.observer.changed(name(s));
      s.observed = { ...vm, state: 'stopped' }; // if configure fails now, status must not say Running
    }
    await provider(s, 'configure', () => s.deps.provider.configure(name(s), { cpu, memoryMiB, ...(diskGiB ? { diskGiB } : {}) }));
    s.deps.observer.changed(name(s));
    s.observed = await s.deps.observer.get(name(s));
    event(s, 'Normal', 'Resized', `Applied ${changes.join(', ')} to VM "${name(s)}"`);
    return proceed();
  },
};

/** Past these sizes a VM's logs move to `.1`: a step failing on every retry must not fill the disk. */
const PROVISION_LOG_MAX_BYTES = 1024 * 1024;
const CONSOLE_LOG_MAX_BYTES = 4 * 1024 * 1024;

export const ensurePower: Step<VmScope> = {
  name: 'power',
  async run(s) {
    let vm = s.observed;
    if (!vm) return proceed();
    if (vm.staleRun && s.spec.powerState === 'Running') vm = await recoverStaleRun(s, vm);
    if (s.spec.powerState === 'Stopped') {
      // Whether we stop it now or find it stopped: it is stopped on purpose, not behind our back.
      s.deps.records.setRunning(name(s), false);
      if (vm.state === 'running') {
        await provider(s, 'stop', () => s.deps.provider.stop(name(s), { timeoutSeconds: s.deps.stopTimeoutSeconds }));
        s.deps.guest.forget(s.key);
        s.deps.observer.changed(name(s));
        // Looked at, not assumed: status never says Stopped while the provider says running (BUG-009).
        s.observed = await provider(s, 'observe', () => s.deps.observer.get(name(s)));
        if (s.observed?.state === 'running') throw new StepError('StopFailed', `stopped VM "${name(s)}" but the provider still calls it running`, 'stop');
        event(s, 'Normal', 'Stopped', `Stopped VM "${name(s)}" (${s.powerHeldBy ? `${s.powerHeldBy} holds it stopped` : 'spec.powerState is Stopped'})`);
      }
      // Stopping on purpose ends a crash loop: the next Running starts at once.
      s.deps.records.update(name(s), { unexpectedStops: undefined, restartAfter: undefined });
      s.deps.capacity.release(s.key);
      return proceed();
    }
    if (vm.state === 'running') {
      // Running (perhaps started by someone else during a back-off): no wait is pending any more.
      s.deps.records.update(name(s), { running: true, restartAfter: undefined });
      // A running VM holds what it really has (a pending resize has not happened yet).
      s.deps.capacity.reserve(s.key, vm.cpu ?? s.spec.cpu, vm.memoryMiB ?? toMiB(s.spec.memory), true);
      return proceed();
    }
    s.admission = s.deps.capacity.reserve(s.key, s.spec.cpu, toMiB(s.spec.memory));
    if (!s.admission.ok) return waitForCapacity(s, s.admission);
    const record = s.deps.records.get(name(s));
    // We left it running and did not stop it ourselves: something else stopped it.
    if (state(s) === 'StoppedUnexpectedly') {
      const policy = s.deps.crashLoop ?? DEFAULT_CRASH_LOOP;
      const { stops, delayMs } = recordUnexpectedStop(record?.unexpectedStops, s.deps.now(), policy);
      // The console log usually says why (a tart run that failed late, a guest panic): show its last words.
      const tail = lastLines(vmLogFile(s.deps, name(s), 'console'), 3);
      if (delayMs > 0) {
        // Not ours to start at once any more: remember until when to wait, across restarts of hostplane too.
        const until = new Date(s.deps.now().getTime() + delayMs);
        s.deps.records.update(name(s), { running: false, unexpectedStops: stops, restartAfter: until.toISOString() });
        const message = `VM "${name(s)}" stopped ${stops.length} times in ${Math.round(policy.windowMs / 60_000)} min; starting it again in ${Math.ceil(delayMs / 1000)} s${tail ? `. Last console output: ${tail}` : ''}`;
        event(s, 'Warning', 'CrashLoopBackOff', message);
        return waitFor(delayMs, 'CrashLoopBackOff', message);
      }
      // Counted once: if the start below fails, its retries are not more crashes.
      s.deps.records.update(name(s), { running: false, unexpectedStops: stops });
      const message = `VM "${name(s)}" was found stopped; starting it again${tail ? `. Last console output: ${tail}` : ''}`;
      s.reportInterim?.('power', 'VMStoppedUnexpectedly', message);
      event(s, 'Warning', 'VMStoppedUnexpectedly', message);
    }
    if (record?.restartAfter) {
      const left = Date.parse(record.restartAfter) - s.deps.now().getTime();
      if (left > 0) return waitFor(left, 'CrashLoopBackOff', `VM "${name(s)}" keeps stopping; starting it again in ${Math.ceil(left / 1000)} s`);
      s.deps.records.update(name(s), { restartAfter: undefined });
    }
    // The VM process holds its console log open while it runs: rotate only before a start.
    rotateIfLarger(vmLogFile(s.deps, name(s), 'console'), CONSOLE_LOG_MAX_BYTES);
    await provider(s, 'start', () =>
      s.deps.provider.start({ name: name(s), network: s.spec.network, dirs: s.spec.dirs, logFile: vmLogFile(s.deps, name(s), 'console') }),
    );
    s.deps.records.setRunning(name(s), true);
    s.deps.guest.forget(s.key);
    s.deps.observer.changed(name(s));
    // Observe again: a provider whose guests keep nothing across a power cycle (QEMU guest image)
    // reports a new bootId per start, and provisioning must see it in this same pass.
    const started = await provider(s, 'observe', () => s.deps.observer.get(name(s)));
    s.observed = { ...vm, ...started, state: 'running' };
    event(s, 'Normal', 'Started', `Started VM "${name(s)}"`);
    return proceed();
  },
};

/**
 * The provider calls it running but nothing runs it (tart after a host crash, seed 003 BUG-009):
 * stop clears the leftover, and the start below runs it again. Not an unexpected stop: we stop it.
 */
async function recoverStaleRun(s: VmScope, vm: ObservedVm): Promise<ObservedVm> {
  const message = `${vm.staleRun}; stopping and starting VM "${name(s)}" again`;
  event(s, 'Warning', 'StaleRunRecovered', message);
  s.reportInterim?.('power', 'StaleRunRecovered', message);
  s.deps.records.setRunning(name(s), false);
  await provider(s, 'stop', () => s.deps.provider.stop(name(s), { timeoutSeconds: s.deps.stopTimeoutSeconds }));
  s.deps.guest.forget(s.key);
  s.deps.observer.changed(name(s));
  s.observed = { ...vm, state: 'stopped', staleRun: undefined };
  return s.observed;
}

export const ensureAddress: Step<VmScope> = {
  name: 'address',
  async run(s) {
    if (s.observed?.state !== 'running') return proceed();
    // Read once per run of the VM: at rest the poll's one list is all a VM costs.
    const runId = s.observed.runId;
    const known = s.deps.records.get(name(s))?.address;
    const held = runId !== undefined && known?.runId === runId ? known : undefined;
    const ep = held ? { host: held.host, port: held.port } : await provider(s, 'ip', () => s.deps.provider.endpoint(name(s), { waitSeconds: s.deps.ipWaitSeconds }));
    const ip = held ? held.ip : ep ? await provider(s, 'ip', () => s.deps.provider.ip(name(s))) : undefined;
    // Asked again soon rather than waited for here: a booting guest must not hold a worker. The
    // provider's shared address waiter wakes the VM as soon as it has one; the requeue is the fallback.
    if (!ep || !ip) {
      const { bootWaits, wake } = s.deps;
      if (bootWaits && wake) bootWaits.watch(s.key, () => s.deps.provider.endpoint(name(s), { waitSeconds: s.deps.addressWatchSeconds ?? 60 }), wake);
      return waitFor(1_000, 'WaitingForIP', `VM "${name(s)}" is running but has no IP address yet`);
    }
    s.endpoint = ep;
    s.ip = ip;
    // Judged against the record, not status: status drops the IP while the VM is stopped or missing.
    const before = s.deps.records.get(name(s))?.lastIp ?? (s.object.status?.ip as string | undefined);
    if (before && before !== ip) {
      s.previousIp = before;
      event(s, 'Warning', 'IPChanged', `VM "${name(s)}" changed its IP from ${before} to ${ip}; clusters using it may need their node address updated`);
    } else s.previousIp = s.object.status?.previousIP as string | undefined;
    s.deps.records.update(name(s), { lastIp: ip, ...(runId !== undefined ? { address: { runId, ip, host: ep.host, port: ep.port } } : {}) });
    return proceed();
  },
};

/** Images that take their login key at boot (QEMU guest image, cloud-init) get the public half of ssh.keySecret. */
function guestKeys(s: VmScope): { authorizedKeys?: string[] } {
  if (!s.spec.ssh.keySecret) return {};
  let secret: string;
  try {
    secret = s.deps.secrets.get(s.spec.ssh.keySecret);
  } catch (err) {
    throw new TerminalError('InvalidSecret', errorMessage(err));
  }
  const parsed = ssh2.utils.parseKey(secret);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error) throw new TerminalError('InvalidSecret', `secret ${s.spec.ssh.keySecret} is not a private key ssh2 can read: ${key.message}`);
  return { authorizedKeys: [`${key.type} ${key.getPublicSSH().toString('base64')} hostplane`] };
}

function guestTarget(s: VmScope): GuestTarget {
  const ssh = s.spec.ssh;
  const auth = ssh.keySecret
    ? { privateKey: s.deps.secrets.get(ssh.keySecret) }
    : { password: s.deps.secrets.get(ssh.passwordSecret ?? 'tart-default') };
  return {
    vmKey: s.key,
    incarnation: s.record?.incarnation ?? s.observed?.incarnation ?? 'unknown',
    host: s.endpoint!.host,
    port: s.endpoint!.port === 22 ? ssh.port : s.endpoint!.port,
    user: ssh.user,
    auth,
  };
}

/**
 * A secret that is missing or unreadable needs a person, not a retry every few seconds: Stalled
 * with InvalidSecret (the reconciler looks again at every poll, so creating it is enough).
 */
function targetOrInvalidSecret(s: VmScope): GuestTarget {
  try {
    return guestTarget(s);
  } catch (err) {
    throw new TerminalError('InvalidSecret', errorMessage(err));
  }
}

export const ensureGuestReachable: Step<VmScope> = {
  name: 'ssh',
  async run(s) {
    if (!s.endpoint) return proceed();
    const target = targetOrInvalidSecret(s);
    // A guest not reachable yet is probed briefly and asked again by requeue, so a probe into a
    // still-booting guest does not hold a worker for long; a reachable one's health check keeps 15 s.
    const booting = getCondition(s.object.status?.conditions as Parameters<typeof getCondition>[0], 'GuestReachable')?.status !== 'True';
    const bootWaits = booting ? s.deps.bootWaits : undefined;
    try {
      const r = await s.deps.guest.run(target, 'true', { timeoutMs: bootWaits?.probeTimeout(s.key) ?? 15_000 });
      if (r.code !== 0) throw new GuestError('Unreachable', `a trivial command exited ${r.code}`);
      s.guestReachable = { ok: true, reason: 'SSHReachable', message: `SSH answers at ${s.endpoint.host}:${s.endpoint.port}` };
      s.deps.bootWaits?.probed(s.key);
      return proceed();
    } catch (err) {
      const reason = err instanceof GuestError ? (err.code === 'Unreachable' || err.code === 'Timeout' ? 'SSHUnreachable' : err.code) : 'SSHUnreachable';
      s.guestReachable = { ok: false, reason, message: errorMessage(err) };
      if (err instanceof GuestError && err.code === 'Timeout') bootWaits?.timedOut(s.key);
      // Host-key and auth problems need a person; an unreachable guest may still be booting.
      if (reason === 'HostKeyMismatch' || reason === 'AuthFailed') throw new StepError(reason, errorMessage(err), 'ssh');
      // Tight at first: a guest's sshd is often up well within a second of its address.
      return waitFor(s.deps.bootWaits?.nextProbe(s.key) ?? 1_000, reason, `waiting for SSH on ${s.endpoint.host}:${s.endpoint.port}: ${errorMessage(err)}`);
    }
  },
};

export const ensureProvisioned: Step<VmScope> = {
  name: 'provision',
  async run(s) {
    if (!s.guestReachable?.ok) return proceed();
    const incarnation = s.record?.incarnation ?? s.observed?.incarnation ?? 'unknown';
    // A guest that keeps nothing across a power cycle is provisioned again after every boot.
    let steps: ReturnType<typeof renderProvisionSteps>;
    try {
      steps = renderProvisionSteps(s.spec, s.observed?.bootId ? `${incarnation}/boot ${s.observed.bootId}` : incarnation);
    } catch (err) {
      if (err instanceof InvalidProvisionError) throw new TerminalError('InvalidSpec', err.message);
      throw err;
    }
    const previous = ((s.object.status?.provisioned as ProvisionRecord[] | undefined) ?? []).filter((r) => steps.some((st) => st.name === r.step && st.hash === r.hash));
    const records = new Map(previous.map((r) => [r.step, r]));
    s.provisioned = steps.map((st) => records.get(st.name)).filter((r): r is ProvisionRecord => !!r);
    const todo = pendingSteps(steps, previous);
    if (!todo.length) return proceed();
    const target = targetOrInvalidSecret(s);
    const logFile = vmLogFile(s.deps, name(s), 'provision');
    const secrets = s.deps.secrets.values();
    const log = (chunk: string) => appendRotating(logFile, redact(chunk, secrets), PROVISION_LOG_MAX_BYTES);
    for (const st of todo) {
      log(`--- ${s.deps.now().toISOString()} ${st.name}\n`);
      let outcome: ProvisionRecord['outcome'] = 'Succeeded';
      let message = '';
      try {
        const a = st.action;
        if (a.kind === 'upload') {
          await s.deps.guest.upload(target, a.path, a.content, { mode: a.mode, sudo: true });
          if (a.owner) await mustRun(s, target, `chown ${shq(a.owner)} ${shq(a.path)}`, log);
          message = `wrote ${a.path}`;
        } else if (a.kind === 'command') {
          if (a.unless && (await s.deps.guest.run(target, a.unless, { sudo: true, onOutput: log, timeoutMs: 600_000 })).code === 0) {
            outcome = 'Skipped';
            message = 'unless-check passed';
          } else {
            await mustRun(s, target, a.run, log);
            message = 'ran';
          }
        } else {
          for (const f of a.files ?? []) await s.deps.guest.upload(target, f.path, f.content, { mode: f.mode, sudo: true });
          await mustRun(s, target, a.script, log);
          message = 'applied';
        }
      } catch (err) {
        outcome = 'Failed';
        message = redact(errorMessage(err), secrets);
      }
      const rec: ProvisionRecord = { step: st.name, hash: st.hash, outcome, message, time: s.deps.now().toISOString() };
      records.set(st.name, rec);
      s.provisioned = steps.map((x) => records.get(x.name)).filter((r): r is ProvisionRecord => !!r);
      if (outcome === 'Failed') {
        s.provisionFailure = `step ${st.name} failed: ${message}`;
        event(s, 'Warning', 'ProvisioningFailed', `VM "${name(s)}": ${s.provisionFailure}`);
        throw new StepError('ProvisioningFailed', s.provisionFailure, 'provision');
      }
      // Recorded now, not only at the end: after a kill or a stop mid-way, the steps done are not run again.
      const done = todo.indexOf(st) + 1;
      if (done < todo.length) s.reportInterim?.('provision', 'Provisioning', `applied ${done} of ${todo.length} provisioning steps; next: ${todo[done]!.name}`);
    }
    event(s, 'Normal', 'Provisioned', `Provisioned VM "${name(s)}": ${todo.map((t) => t.name).join(', ')}`);
    return proceed();
  },
};

function lastLines(file: string, n: number): string {
  try {
    const st = statSync(file);
    const fd = openSync(file, 'r');
    try {
      const len = Math.min(st.size, 4096);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, st.size - len);
      return buf.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('--- hostplane')).slice(-n).join(' | ');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

async function mustRun(s: VmScope, target: GuestTarget, script: string, log: (c: string) => void): Promise<void> {
  const r = await s.deps.guest.run(target, script, { sudo: true, onOutput: log, timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}


export const vmSteps: Step<VmScope>[] = [observe, ensureCreated, ensureResources, ensurePower, ensureAddress, ensureGuestReachable, ensureProvisioned];

/** Deletion (finalizer path): graceful stop, stop, delete, forget. Never touches a VM without our record. */
export const vmDeleteSteps: Step<VmScope>[] = [
  {
    name: 'delete',
    async run(s) {
      s.deleting = true;
      const rec = ownRecord(s);
      if (!rec || s.spec.deletionPolicy === 'Retain') {
        if (rec && s.spec.deletionPolicy === 'Retain') event(s, 'Normal', 'Retained', `Left VM "${name(s)}" on the host (deletionPolicy Retain)`);
        if (rec) s.deps.records.remove(name(s)); // another provider's record is not ours to forget
        return proceed();
      }
      const vm = await provider(s, 'observe', () => s.deps.observer.get(name(s)));
      if (vm && replaced(rec, vm)) {
        event(s, 'Warning', 'LeftUntouched', `VM "${name(s)}" on the host is not the one hostplane created (it was replaced); it is left untouched`);
        s.deps.records.remove(name(s));
        return proceed();
      }
      if (vm?.state === 'running') {
        s.deps.records.setRunning(name(s), false);
        await provider(s, 'stop', () => s.deps.provider.stop(name(s), { timeoutSeconds: s.deps.stopTimeoutSeconds }));
        s.deps.observer.changed(name(s));
      }
      if (vm) {
        await provider(s, 'delete', () => s.deps.provider.delete(name(s)));
        s.deps.observer.changed(name(s));
        event(s, 'Normal', 'Deleted', `Deleted VM "${name(s)}"`);
      }
      s.deps.records.remove(name(s));
      return proceed();
    },
  },
];

function capitalize(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}
