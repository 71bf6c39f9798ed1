// The first vertical slice end to end: specs on disk → store → VM controller → sim host → status.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimVmProvider } from '../../src/sim/host/sim-vm-provider.js';
import { getCondition } from '../../src/api/conditions.js';
import { VmRecords } from '../../src/reconcilers/virtualmachine/records.js';
import { StateLockedError } from '../../src/controllers/state-dir.js';
import { CONFIRM_DELETIONS } from '../../src/controllers/manager.js';
import { submitSimRequest } from '../../src/sim/host/sim-world.js';
import { makeLab, readyStatus, startSim, vmDoc, waitReady, type Lab, type SimLab } from '../fixtures/lab.js';
import { holdsFor, waitFor } from '../fixtures/wait-for.js';
import { runCli } from '../fixtures/cli.js';

let lab: Lab | undefined;
let sim: SimLab | undefined;

afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = undefined;
  lab?.cleanup();
  lab = undefined;
});

const three = () => ({ 'vms.yaml': [vmDoc('a'), vmDoc('b'), vmDoc('c')].join('---\n') });

describe('VirtualMachine on the sim host', () => {
  it('brings every VM in the specs to Ready=True with an IP', async () => {
    lab = makeLab(three());
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a', 'b', 'c']);
    for (const n of ['a', 'b', 'c']) {
      const st = sim.manager.store.get('VirtualMachine', n)!.status!;
      expect(st.phase).toBe('Running');
      expect(st.ip).toMatch(/^127\.64\./);
      expect(st.observedGeneration).toBe(1);
      expect(sim.provider.vm(n)?.state).toBe('running');
    }
  });

  it('measures each reconcile in memory and reports what the host has in status.observed, without a status write per poll', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a', { memory: '1536Mi' }) });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a']);
    const first = await waitFor(() => sim!.manager.reconcileInfo('VirtualMachine/a').lastReconcile, 5_000, 'a measured reconcile');
    expect(first.result).toBe('requeueAfter');
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(first.finishTime) - Date.parse(first.startTime)).toBe(first.durationMs);
    await waitFor(() => sim!.manager.store.get('VirtualMachine', 'a')!.status?.observed, 5_000, 'status.observed');
    const obj = sim.manager.store.get('VirtualMachine', 'a')!;
    expect(obj.status!.observed).toEqual({ powerState: 'Running', cpu: 2, memory: '1536Mi', diskSize: '30Gi' });
    // The next polls are measured, and the status (so the file and the resourceVersion) stays as it was.
    await waitFor(() => sim!.manager.reconcileInfo('VirtualMachine/a').lastReconcile!.startTime > first.startTime, 5_000, 'a later reconcile');
    expect(sim.manager.store.get('VirtualMachine', 'a')!.metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
    expect(sim.manager.reconcileInfo('VirtualMachine/nope')).toEqual({ lastReconcile: null, inFlight: false });
  });

  it('keeps uids and status across a restart and creates no second VM', async () => {
    lab = makeLab(three());
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a', 'b', 'c']);
    const uids = ['a', 'b', 'c'].map((n) => sim!.manager.store.get('VirtualMachine', n)!.metadata.uid);
    await sim.stop();
    sim = await startSim(lab);
    expect(['a', 'b', 'c'].map((n) => sim!.manager.store.get('VirtualMachine', n)!.metadata.uid)).toEqual(uids);
    expect(readyStatus(sim.manager, 'a')).toBe('True'); // restored before any reconcile
    await sim.manager.idle();
    await waitReady(sim.manager, ['a', 'b', 'c']);
    expect(sim.provider.calls.create).toBe(0);
    expect(sim.provider.calls.start).toBe(0);
  });

  it.each([
    ['stopped behind its back', 'kill', 'VMStoppedUnexpectedly'],
    ['deleted behind its back', 'delete', 'VMMissing'],
  ] as const)('repairs a VM %s', async (_what, op, reason) => {
    lab = makeLab(three());
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a', 'b', 'c']);
    const before = sim.provider.vm('b')!.incarnation;
    const ipBefore = sim.manager.store.get('VirtualMachine', 'b')!.status!.ip;
    // A watcher sees the outage even though one reconcile finds and repairs it.
    const readySeen: string[] = [];
    const stopWatch = sim.manager.store.watch((e) => {
      if (e.object.kind !== 'VirtualMachine' || e.object.metadata.name !== 'b') return;
      const ready = getCondition(e.object.status?.conditions, 'Ready');
      if (ready) readySeen.push(`${ready.status}/${ready.reason}`);
    });
    sim.provider.apply({ op, name: 'b' });
    await waitFor(() => sim!.provider.vm('b')?.state === 'running' && readyStatus(sim!.manager, 'b') === 'True', 10_000, 'b running again');
    // The VM runs again a moment before the reconcile that started it records why: wait for the event.
    await waitFor(() => sim!.manager.events.list({ object: 'VirtualMachine/b' }).some((e) => e.reason === reason), 5_000, `${reason} event`);
    await waitFor(() => readySeen.at(-1) === 'True/Ready', 5_000, 'Ready=True seen by the watcher again');
    stopWatch();
    expect(readySeen).toContain(`False/${reason}`);
    if (op === 'delete') {
      // The recreated VM got a new address: clusters depend on node IPs, so it is a condition and a warning.
      expect(sim.provider.vm('b')!.incarnation).not.toBe(before);
      await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'b')!.status?.conditions, 'Addressed')?.reason === 'IPChanged', 5_000, 'IPChanged');
      const st = sim.manager.store.get('VirtualMachine', 'b')!.status!;
      expect(st.previousIP).toBe(ipBefore);
      expect(st.ip).not.toBe(ipBefore);
      expect(sim.manager.events.list({ object: 'VirtualMachine/b' }).map((e) => e.reason)).toContain('IPChanged');
    } else expect(sim.provider.vm('b')!.incarnation).toBe(before);
  });

  it('counts a stop behind its back once, however many starts fail after it', async () => {
    lab = makeLab({ 'b.yaml': vmDoc('b') });
    sim = await startSim(lab, { crashLoop: { windowMs: 60_000, threshold: 3, baseMs: 3_000, maxMs: 5_000 } });
    await waitReady(sim.manager, ['b']);
    submitSimRequest(lab.stateDir, { op: 'fail', command: 'start', name: 'b', times: 2, message: 'injected: start failed' });
    await waitFor(() => sim!.provider.calls.start >= 1, 5_000, 'fault registered'); // the first start happened at create
    sim.provider.apply({ op: 'kill', name: 'b' });
    await waitFor(() => sim!.provider.vm('b')?.state === 'running' && readyStatus(sim!.manager, 'b') === 'True', 20_000, 'b running again');
    const reasons = sim.manager.events.list({ object: 'VirtualMachine/b' }).map((e) => e.reason);
    expect(reasons).not.toContain('CrashLoopBackOff');
    expect(new VmRecords(lab.stateDir).get('b')!.unexpectedStops).toHaveLength(1);
  });

  it('does not call a VM found stopped while the spec wanted it stopped a crash when it is started again', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    sim = await startSim(lab, { pollIntervalMs: 3_600_000 }); // no poll notices the kill: only the spec edits act
    await waitReady(sim.manager, ['a']);
    sim.provider.apply({ op: 'kill', name: 'a' });
    lab.write('a.yaml', vmDoc('a', { powerState: 'Stopped' }));
    await waitFor(() => sim!.manager.store.get('VirtualMachine', 'a')!.status?.phase === 'Stopped', 5_000, 'a Stopped as asked');
    lab.write('a.yaml', vmDoc('a', { powerState: 'Running' }));
    await waitFor(() => sim!.provider.vm('a')?.state === 'running' && sim!.manager.store.get('VirtualMachine', 'a')!.status?.phase === 'Running', 5_000, 'a running again');
    const events = sim.manager.events.list({ object: 'VirtualMachine/a' });
    expect(events.map((e) => e.reason)).not.toContain('VMStoppedUnexpectedly');
    expect(events.filter((e) => e.reason === 'Started').reduce((n, e) => n + e.count, 0)).toBe(2);
  });

  it('reports an IP change after a VM is recreated, even when its new address comes a reconcile later', async () => {
    lab = makeLab({ 'b.yaml': vmDoc('b') });
    sim = await startSim(lab, { ipWaitSeconds: 0 });
    await waitReady(sim.manager, ['b']);
    const ipBefore = sim.manager.store.get('VirtualMachine', 'b')!.status!.ip;
    sim.provider.apply({ op: 'delete', name: 'b' });
    await waitFor(() => {
      const st = sim!.manager.store.get('VirtualMachine', 'b')!.status!;
      return readyStatus(sim!.manager, 'b') === 'True' && !!st.ip && st.ip !== ipBefore;
    }, 10_000, 'b recreated with a new IP');
    const st = sim.manager.store.get('VirtualMachine', 'b')!.status!;
    expect(getCondition(st.conditions, 'Addressed')?.reason).toBe('IPChanged');
    expect(st.previousIP).toBe(ipBefore);
    expect(sim.manager.events.list({ object: 'VirtualMachine/b' }).map((e) => e.reason)).toContain('IPChanged');
  });

  it('backs off restarting a VM that keeps stopping behind its back (CrashLoopBackOff), then starts it again', async () => {
    lab = makeLab({ 'b.yaml': vmDoc('b') });
    sim = await startSim(lab, { crashLoop: { windowMs: 60_000, threshold: 3, baseMs: 3_000, maxMs: 5_000 } });
    const stops = () => sim!.manager.events.list({ object: 'VirtualMachine/b' }).filter((e) => e.reason === 'VMStoppedUnexpectedly').reduce((n, e) => n + e.count, 0);
    const ready = () => getCondition(sim!.manager.store.get('VirtualMachine', 'b')?.status?.conditions, 'Ready');
    // The first two stops are repaired at once.
    for (const n of [1, 2]) {
      await waitReady(sim.manager, ['b']);
      sim.provider.apply({ op: 'kill', name: 'b' });
      await waitFor(() => stops() === n && sim!.provider.vm('b')?.state === 'running', 10_000, `stop ${n} repaired`);
    }
    await waitReady(sim.manager, ['b']);
    const startsBefore = sim.provider.calls.start;
    sim.provider.apply({ op: 'kill', name: 'b' });
    // The third one within the window is not: Ready says why and the VM stays stopped until the back-off ends.
    await waitFor(() => ready()?.reason === 'CrashLoopBackOff', 10_000, 'Ready=False CrashLoopBackOff');
    expect(ready()).toMatchObject({ status: 'False', message: expect.stringMatching(/stopped 3 times in 1 min; starting it again in 3 s/) });
    expect(sim.manager.events.list({ object: 'VirtualMachine/b' }).map((e) => e.reason)).toContain('CrashLoopBackOff');
    const restartAfter = Date.parse(new VmRecords(lab.stateDir).get('b')!.restartAfter!);
    expect(sim.provider.vm('b')?.state).toBe('stopped');
    expect(sim.provider.calls.start).toBe(startsBefore);
    await waitFor(() => sim!.provider.vm('b')?.state === 'running', 10_000, 'b started after the back-off');
    expect(Date.now()).toBeGreaterThanOrEqual(restartAfter);
    expect(sim.provider.calls.start).toBe(startsBefore + 1);
    await waitReady(sim.manager, ['b']);
    expect(new VmRecords(lab.stateDir).get('b')!.restartAfter).toBeUndefined();
  });

  it('records each provisioning step in status as it finishes, so a crash part-way does not run finished steps again', async () => {
    lab = makeLab({ 'p.yaml': vmDoc('p', { provision: { commands: [{ name: 'one', run: 'true' }, { name: 'two', run: 'true' }, { name: 'three', run: 'true' }] } }) });
    sim = await startSim(lab);
    const seen: number[] = [];
    const stopWatch = sim.manager.store.watch((e) => {
      if (e.object.metadata.name !== 'p') return;
      const n = ((e.object.status?.provisioned as unknown[] | undefined) ?? []).length;
      if (seen.at(-1) !== n) seen.push(n);
    });
    await waitReady(sim.manager, ['p']);
    stopWatch();
    expect(seen).toEqual(expect.arrayContaining([1, 2, 3]));
    expect(seen.indexOf(1)).toBeLessThan(seen.indexOf(2));
  });

  it('keeps the VM and its last valid spec when its file stops parsing', async () => {
    lab = makeLab(three());
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a', 'b', 'c']);
    const gen = sim.manager.store.get('VirtualMachine', 'a')!.metadata.generation;
    writeFileSync(join(lab.specsDir, 'vms.yaml'), readFileSync(join(lab.specsDir, 'vms.yaml'), 'utf8').replace('name: b', 'name: b\n  bad: [unclosed'));
    const err = await waitFor(() => sim!.manager.store.specErrors()[0], 5_000, 'a spec error');
    expect(err.file).toBe('vms.yaml');
    expect(err.line).toBeGreaterThan(1);
    await holdsFor(() => ['a', 'b', 'c'].every((n) => sim!.provider.vm(n)?.state === 'running' && !sim!.manager.store.get('VirtualMachine', n)!.metadata.deletionTimestamp), 1_000, 'VMs untouched');
    expect(sim.manager.store.get('VirtualMachine', 'a')!.metadata.generation).toBe(gen);
  });

  it('deletes a VM whose spec is removed, only after the grace period', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'b.yaml': vmDoc('b'), 'c.yaml': vmDoc('c') });
    sim = await startSim(lab, { graceMs: 800 });
    await waitReady(sim.manager, ['a', 'b', 'c']);
    lab.remove('c.yaml');
    // The source has seen the removal (its grace period runs): only now does "still there" say something.
    await waitFor(() => sim!.manager.source.pendingDeletions().includes('VirtualMachine/c'), 5_000, 'c pending deletion');
    expect(sim.provider.vm('c')).toBeDefined();
    await waitFor(() => !sim!.provider.vm('c') && !sim!.manager.store.get('VirtualMachine', 'c'), 10_000, 'c deleted');
    expect(new VmRecords(lab.stateDir).get('c')).toBeUndefined();
    expect(sim.provider.vm('a')?.state).toBe('running');
    // The poll queued before the deletion still runs once; nothing of c stays in memory after it.
    await holdsFor(() => sim!.manager.reconcileInfo('VirtualMachine/c').lastReconcile === null, 1_000, 'no last reconcile kept for c');
  });

  it.each([
    ['stopped', 'kill'],
    ['deleted', 'delete'],
  ] as const)('never creates or starts a VM whose spec was removed while up was down (its VM %s meanwhile): it is only deleted', async (_what, op) => {
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'b.yaml': vmDoc('b'), 'c.yaml': vmDoc('c'), 'd.yaml': vmDoc('d') });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a', 'b', 'c', 'd']);
    await sim.stop();
    lab.remove('d.yaml');
    new SimVmProvider(lab.stateDir, { scale: 0 }).apply({ op, name: 'd' });
    sim = await startSim(lab, { graceMs: 1_000 });
    await waitFor(() => !sim!.manager.store.get('VirtualMachine', 'd'), 10_000, 'd forgotten');
    expect(sim.provider.calls.create).toBe(0);
    expect(sim.provider.calls.start).toBe(0);
    expect(sim.provider.vm('d')).toBeUndefined();
  });

  it('a VM held while its deletion waits is reconciled again as soon as its spec comes back', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'b.yaml': vmDoc('b'), 'c.yaml': vmDoc('c') });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a', 'b', 'c']);
    await sim.stop();
    const text = readFileSync(join(lab.specsDir, 'c.yaml'), 'utf8');
    lab.remove('c.yaml');
    new SimVmProvider(lab.stateDir, { scale: 0 }).apply({ op: 'kill', name: 'c' });
    sim = await startSim(lab, { graceMs: 60_000 });
    await waitFor(() => sim!.manager.source.isPendingDeletion('VirtualMachine/c'), 5_000, 'c pending deletion');
    await sim.manager.idle();
    expect(sim.provider.calls.start).toBe(0);
    lab.write('c.yaml', text);
    await waitFor(() => sim!.provider.vm('c')?.state === 'running', 5_000, 'c started once its spec is back');
    expect(sim.manager.store.get('VirtualMachine', 'c')!.metadata.deletionTimestamp).toBeUndefined();
  });

  it('`hostplane delete` of the only VM deletes it, while removing its file by hand pauses deletion', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a']);
    // The CLI is a cold process from source: 3.7 s on an idle machine, over 20 s on a loaded one
    // (the deletion itself takes under 0.5 s). Its exit is the event waited for, bounded here.
    const del = await runCli(['delete', 'vm/a', '--specs', lab.specsDir, '--state', lab.stateDir.root], {}, 40_000);
    expect(del.code).toBe(0);
    await waitFor(() => !sim!.provider.vm('a') && !sim!.manager.store.get('VirtualMachine', 'a'), 10_000, 'a deleted');
    expect(sim.manager.source.status().deletionPaused).toBeUndefined();
    lab.write('b.yaml', vmDoc('b'));
    await waitReady(sim.manager, ['b']);
    lab.remove('b.yaml');
    await waitFor(() => sim!.manager.source.status().deletionPaused, 5_000, 'deletion paused');
    await holdsFor(() => sim!.provider.vm('b')?.state === 'running', 500, 'b kept');
  }, 60_000);

  it('treats a file renamed within the grace period as a move, not a delete', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'b.yaml': vmDoc('b'), 'c.yaml': vmDoc('c') });
    sim = await startSim(lab, { graceMs: 1_500 });
    await waitReady(sim.manager, ['a', 'b', 'c']);
    const inc = sim.provider.vm('c')!.incarnation;
    const text = readFileSync(join(lab.specsDir, 'c.yaml'), 'utf8');
    lab.remove('c.yaml');
    lab.write('moved/c.yaml', text);
    await waitFor(() => sim!.manager.store.sourceOf('VirtualMachine', 'c')?.file === 'moved/c.yaml', 5_000, 'c moved');
    await holdsFor(() => sim!.provider.vm('c')?.incarnation === inc, 2_000, 'c kept');
  });

  it('honours powerState: Stopped stops the VM and Ready stays True', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a']);
    lab.write('a.yaml', vmDoc('a', { powerState: 'Stopped' }));
    await waitFor(() => sim!.provider.vm('a')?.state === 'stopped' && sim!.manager.store.get('VirtualMachine', 'a')!.status!.phase === 'Stopped', 5_000, 'a stopped');
    const st = sim.manager.store.get('VirtualMachine', 'a')!;
    expect(st.metadata.generation).toBe(2);
    expect(st.status!.observedGeneration).toBe(2);
    expect(getCondition(st.status!.conditions, 'Ready')?.reason).toBe('Stopped');
  });

  it('says the VM is not running when a resize stopped it and the change then failed', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    sim = await startSim(lab, { pollIntervalMs: 3_600_000 }); // only the spec edit acts
    await waitReady(sim.manager, ['a']);
    sim.provider.apply({ op: 'fail', command: 'configure', name: 'a', times: 1, message: 'injected: configure failed' });
    lab.write('a.yaml', vmDoc('a', { cpu: 4 }));
    await waitFor(() => /configure failed/.test(getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Ready')?.message ?? ''), 10_000, 'configure failure reported');
    const st = sim.manager.store.get('VirtualMachine', 'a')!.status!;
    expect(sim.provider.vm('a')!.state).toBe('stopped');
    expect(getCondition(st.conditions, 'Running')?.status).toBe('False');
    expect(st.state).toBe('stopped');
    // The retry applies it and starts the VM again.
    await waitFor(() => sim!.provider.vm('a')?.cpu === 4 && sim!.provider.vm('a')?.state === 'running' && readyStatus(sim!.manager, 'a') === 'True', 15_000, 'a resized on retry');
  });

  it('applies a cpu/memory change by stop → set → start, or reports RestartPending under restartPolicy Never', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'b.yaml': vmDoc('b', { restartPolicy: 'Never' }) });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a', 'b']);
    lab.write('a.yaml', vmDoc('a', { cpu: 4 }));
    lab.write('b.yaml', vmDoc('b', { cpu: 4, restartPolicy: 'Never' }));
    await waitFor(() => sim!.provider.vm('a')?.cpu === 4 && readyStatus(sim!.manager, 'a') === 'True', 5_000, 'a resized');
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'b')!.status?.conditions, 'UpToDate')?.reason === 'RestartPending', 5_000, 'b restart pending');
    expect(sim.provider.vm('b')!.cpu).toBe(2);
    expect(sim.provider.vm('b')!.state).toBe('running');
    // Our own stop for the resize is not reported as a stop behind our back.
    await waitFor(() => sim!.manager.events.list({ object: 'VirtualMachine/a' }).some((e) => e.reason === 'Resized') && readyStatus(sim!.manager, 'a') === 'True', 5_000, 'Resized event');
    expect(sim.manager.events.list({ object: 'VirtualMachine/a' }).map((e) => e.reason)).toEqual(expect.arrayContaining(['Restarting', 'Resized', 'Started']));
    expect(sim.manager.events.list({ object: 'VirtualMachine/a' }).map((e) => e.reason)).not.toContain('VMStoppedUnexpectedly');
  });

  it('never touches a VM it did not create: a name conflict stalls instead', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    const world = new SimVmProvider(lab.stateDir, { scale: 0 });
    world.apply({ op: 'create-foreign', name: 'a', running: true });
    world.apply({ op: 'create-foreign', name: 'someone-elses', running: true });
    sim = await startSim(lab);
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Stalled')?.reason === 'NameConflict', 5_000, 'a stalled on NameConflict');
    await sim.manager.idle();
    expect(sim.provider.calls.create + sim.provider.calls.stop + sim.provider.calls.delete + sim.provider.calls.configure).toBe(0);
    expect(sim.provider.vm('someone-elses')?.state).toBe('running');
  });

  it.each([
    ['a resync after the conflicting VM is gone creates it', 300, 'True'],
    ['before the resync period it stays stalled', 3_600_000, 'False'],
  ] as const)('looks at a VM stalled on a name conflict again only at the safety-net resync: %s', async (_what, resyncPeriodMs, ready) => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    new SimVmProvider(lab.stateDir, { scale: 0 }).apply({ op: 'create-foreign', name: 'a', running: true });
    // A stalled VM is also looked at on every poll; an hour-long poll leaves only the resync.
    sim = await startSim(lab, { resyncPeriodMs, pollIntervalMs: 3_600_000 });
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Stalled')?.reason === 'NameConflict', 5_000, 'a stalled on NameConflict');
    sim.provider.apply({ op: 'delete', name: 'a' }); // its owner removes the foreign VM; nothing in the spec changes
    const settled = () => readyStatus(sim!.manager, 'a') === 'True';
    if (ready === 'True') await waitFor(settled, 10_000, 'a created and Ready after a resync');
    else await holdsFor(() => !settled(), 1_500, 'a still stalled');
    expect(readyStatus(sim.manager, 'a')).toBe(ready);
  });

  it('looks at a VM stalled on a name conflict again at each poll, and creates it once the conflicting VM is gone', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    new SimVmProvider(lab.stateDir, { scale: 0 }).apply({ op: 'create-foreign', name: 'a', running: true });
    sim = await startSim(lab);
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Stalled')?.reason === 'NameConflict', 5_000, 'a stalled on NameConflict');
    expect(sim.provider.calls.create + sim.provider.calls.stop + sim.provider.calls.delete).toBe(0);
    sim.provider.apply({ op: 'delete', name: 'a' }); // removed by its owner, as the message asks
    await waitReady(sim.manager, ['a']);
    expect(getCondition(sim.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Stalled')).toBeUndefined();
  });

  it('reports a corrupted VM record as unreadable, with how to repair it, not as a NameConflict', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'b.yaml': vmDoc('b') });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a', 'b']);
    await sim.stop();
    writeFileSync(lab.stateDir.path('vms', 'a.json'), '{"providerName": "a", "provider": "si');
    sim = await startSim(lab);
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Stalled')?.status === 'True', 5_000, 'a stalled');
    const stalled = getCondition(sim.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Stalled')!;
    expect(stalled.reason).toBe('RecordUnreadable');
    expect(stalled.message).toMatch(/vms\/a\.json.*unreadable/);
    expect(stalled.message).toMatch(/to repair/i);
    await sim.manager.idle();
    expect(sim.provider.calls.create + sim.provider.calls.stop + sim.provider.calls.delete + sim.provider.calls.configure).toBe(0);
    expect(sim.provider.vm('a')?.state).toBe('running');
  });

  it('adopts the VM of an interrupted create instead of making a second one', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    // The state a crash between "create pending" and "created" leaves behind.
    const world = new SimVmProvider(lab.stateDir, { scale: 0 });
    await world.create({ name: 'a', image: 'x', cpu: 2, memoryMiB: 2048, diskGiB: 30, network: { mode: 'shared' } });
    new VmRecords(lab.stateDir).markCreatePending('a', { providerName: 'a', provider: 'sim', objectUid: 'lost' });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a']);
    expect(sim.provider.calls.create).toBe(0);
    expect(new VmRecords(lab.stateDir).get('a')?.phase).toBe('Created');
    expect(sim.manager.events.list({ object: 'VirtualMachine/a' }).map((e) => e.reason)).toContain('Adopted');
  });

  it('makes a VM that does not fit the host wait with InsufficientHostMemory', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a', { memory: '6Gi' }), 'b.yaml': vmDoc('b', { memory: '6Gi' }) });
    sim = await startSim(lab, { capacity: { cpu: 8, memoryMiB: 10 * 1024 + 2048, memoryOvercommit: 1, reservedMemoryMiB: 2048 } });
    await waitFor(() => ['a', 'b'].filter((n) => readyStatus(sim!.manager, n) === 'True').length === 1, 5_000, 'one VM ready');
    const waiting = ['a', 'b'].find((n) => readyStatus(sim!.manager, n) !== 'True')!;
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', waiting)!.status?.conditions, 'Ready')?.reason === 'InsufficientHostMemory', 5_000, 'waiting VM reason');
    expect(sim.provider.vm(waiting)).toBeUndefined();
  });

  it('refuses a second manager on the same state dir', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    sim = await startSim(lab);
    await expect(startSim(lab)).rejects.toBeInstanceOf(StateLockedError);
  });

  it('retries a failed provider command with backoff and converges', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    submitSimRequest(lab.stateDir, { op: 'fail', command: 'start', name: 'a', times: 1, message: 'injected: start failed' });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a'], 10_000);
    expect(sim.provider.calls.start).toBe(2); // the injected failure fired, then the retry started it
    expect(sim.provider.calls.create).toBe(1);
    // The VM's command log says what was asked of the provider and how it went, in order.
    const commands = readFileSync(join(lab.stateDir.root, 'logs', 'VirtualMachine', 'a.commands.log'), 'utf8').trim().split('\n');
    expect(commands.map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual(['create ok', 'start failed:', 'start ok']);
    expect(commands[0]).toMatch(/create ok \(\d+ ms\) image=\S+ cpu=2 memory=\S+ disk=\d+Gi network=shared$/);
    expect(commands[1]).toContain('injected: start failed');
  });

  it('answers unless probes from the simulated guest: a command whose probe holds is skipped, the others run', async () => {
    const commands = [
      { name: 'marker', run: 'printf ok > /var/tmp/marker', unless: 'test -f /var/tmp/marker' },
      { name: 'after-marker', run: 'echo never', unless: 'test -f /var/tmp/marker' },
      { name: 'nginx', run: 'apt-get install -y nginx', unless: 'dpkg -s nginx >/dev/null 2>&1' },
    ];
    lab = makeLab({ 'u.yaml': vmDoc('u', { provision: { commands } }) });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['u']);
    const steps = sim.manager.store.get('VirtualMachine', 'u')!.status!.provisioned as { step: string; outcome: string }[];
    expect(steps.map((s) => [s.step, s.outcome])).toEqual([
      ['command/marker', 'Succeeded'],
      ['command/after-marker', 'Skipped'],
      ['command/nginx', 'Succeeded'],
    ]);
  });

  it('reports a missing password secret as InvalidSecret (Stalled), and goes on once the secret exists', async () => {
    lab = makeLab({ 's.yaml': vmDoc('s', { ssh: { passwordSecret: 'lab-pass' } }) });
    sim = await startSim(lab);
    const cond = (type: string) => getCondition(sim!.manager.store.get('VirtualMachine', 's')?.status?.conditions, type);
    await waitFor(() => cond('Stalled')?.status === 'True', 10_000, 'Stalled on the missing secret');
    expect(cond('Stalled')?.reason).toBe('InvalidSecret');
    expect(cond('Stalled')?.message).toMatch(/secret "lab-pass" not found/);
    expect(cond('GuestReachable')?.reason).not.toBe('SSHUnreachable');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(lab.stateDir.path('secrets'), { recursive: true });
    writeFileSync(lab.stateDir.path('secrets', 'lab-pass'), 'hunter2-hunter2', { mode: 0o600 });
    await waitReady(sim.manager, ['s']);
    expect(cond('Stalled')).toBeUndefined();
  });
});

describe('VirtualMachine ownership and safety', () => {
  it.each([
    ['a record written by another provider', 'other-provider'],
    ['its own VM replaced behind its back', 'replaced'],
  ] as const)('never stops or deletes a VM it did not create when the spec is removed: %s', async (_what, how) => {
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'keep.yaml': vmDoc('keep') });
    if (how === 'other-provider') {
      new SimVmProvider(lab.stateDir, { scale: 0 }).apply({ op: 'create-foreign', name: 'a', running: true });
      const records = new VmRecords(lab.stateDir);
      records.markCreated('a', records.markCreatePending('a', { providerName: 'a', provider: 'tart', objectUid: 'x' }), 'tart-incarnation');
    }
    sim = await startSim(lab, { graceMs: 300 });
    if (how === 'replaced') {
      await waitReady(sim.manager, ['a']);
      sim.provider.apply({ op: 'delete', name: 'a' });
      sim.provider.apply({ op: 'create-foreign', name: 'a', running: true });
    }
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Stalled')?.reason === 'NameConflict', 10_000, 'a stalled on NameConflict');
    const foreign = sim.provider.vm('a')!.incarnation;
    const stopsBefore = sim.provider.calls.stop;
    lab.remove('a.yaml'); // as the NameConflict message suggests
    await waitFor(() => !sim!.manager.store.get('VirtualMachine', 'a'), 10_000, 'object a gone');
    await sim.manager.idle();
    expect(sim.provider.vm('a')).toMatchObject({ state: 'running', incarnation: foreign });
    expect(sim.provider.calls.stop).toBe(stopsBefore);
    expect(sim.provider.calls.delete).toBe(0);
  });

  it('reserves no host capacity for a VM whose create cannot start (its secret is missing)', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a', { memory: '2Gi', ssh: { user: 'admin', keySecret: 'missing-key' } }) });
    sim = await startSim(lab, { capacity: { cpu: 64, memoryMiB: 5120, reservedMemoryMiB: 2048 } }); // a 3 GiB budget: one 2 GiB VM fits
    await waitFor(() => /missing-key/.test(getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Ready')?.message ?? ''), 10_000, 'a failing on its secret');
    lab.write('b.yaml', vmDoc('b', { memory: '2Gi' })); // fits only if a holds nothing
    await waitReady(sim.manager, ['b']);
    expect(sim.provider.vm('a')).toBeUndefined();
  });

  it('never adopts a VM that appears after its create failed: it stalls on NameConflict and leaves it alone', async () => {
    // A second VM: removing the only spec would pause deletion (deleting every object needs confirming).
    lab = makeLab({ 'a.yaml': vmDoc('a'), 'keep.yaml': vmDoc('keep') });
    submitSimRequest(lab.stateDir, { op: 'fail', command: 'create', name: 'a', times: 1, message: 'injected: clone failed' });
    sim = await startSim(lab);
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Created')?.reason === 'CreateFailed', 5_000, 'the failed create');
    expect(new VmRecords(lab.stateDir).get('a')).toBeUndefined(); // nothing was created, so no intent is kept
    sim.provider.apply({ op: 'create-foreign', name: 'a', running: true });
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Stalled')?.reason === 'NameConflict', 10_000, 'NameConflict');
    lab.remove('a.yaml');
    await waitFor(() => !sim!.manager.store.get('VirtualMachine', 'a'), 10_000, 'a forgotten');
    expect(sim.provider.calls.stop + sim.provider.calls.delete + sim.provider.calls.configure).toBe(0);
    expect(sim.provider.vm('a')?.state).toBe('running');
  });

  it('does not take a record written for another provider as ownership', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    new SimVmProvider(lab.stateDir, { scale: 0 }).apply({ op: 'create-foreign', name: 'a', running: true });
    const records = new VmRecords(lab.stateDir);
    records.markCreated('a', records.markCreatePending('a', { providerName: 'a', provider: 'tart', objectUid: 'x' }), 'tart-incarnation');
    sim = await startSim(lab);
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Stalled')?.reason === 'NameConflict', 5_000, 'NameConflict');
    expect(sim.provider.calls.stop + sim.provider.calls.configure + sim.provider.calls.delete).toBe(0);
  });

  it('keeps a running VM up when a bigger size does not fit the host, and says why', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a', { memory: '4Gi' }) });
    sim = await startSim(lab, { capacity: { cpu: 8, memoryMiB: 12 * 1024, memoryOvercommit: 1, reservedMemoryMiB: 2048 } });
    await waitReady(sim.manager, ['a']);
    lab.write('a.yaml', vmDoc('a', { memory: '16Gi' }));
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'UpToDate')?.reason === 'InsufficientHostMemory', 5_000, 'resize refused');
    expect(sim.provider.vm('a')).toMatchObject({ state: 'running', memoryMiB: 4096 });
    expect(sim.provider.calls.stop).toBe(0);
  });

  it('keeps the last observed state and IP when the provider cannot be listed, and says so', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    sim = await startSim(lab);
    await waitReady(sim.manager, ['a']);
    const ip = sim.manager.store.get('VirtualMachine', 'a')!.status!.ip;
    sim.provider.apply({ op: 'fail', command: 'list', times: 1000, message: 'injected: tart list failed' });
    await waitFor(() => getCondition(sim!.manager.store.get('VirtualMachine', 'a')!.status?.conditions, 'Created')?.status === 'Unknown', 10_000, 'Created Unknown');
    const st = sim.manager.store.get('VirtualMachine', 'a')!.status!;
    expect(st.state).toBe('running');
    expect(st.ip).toBe(ip);
    expect(getCondition(st.conditions, 'Running')?.status).toBe('Unknown');
    expect(getCondition(st.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'ObserveFailed' });
  });

  it('drops a confirm-deletions request left from an earlier run instead of acting on it', async () => {
    lab = makeLab({ 'a.yaml': vmDoc('a') });
    lab.stateDir.writeJson(CONFIRM_DELETIONS, { at: 'earlier' });
    sim = await startSim(lab);
    expect(lab.stateDir.exists(CONFIRM_DELETIONS)).toBe(false);
  });
});
