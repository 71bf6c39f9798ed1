import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSuspended, markReconcileRequested, reconcileRequestedAt, requestReconcile, setSuspended, takeReconcileRequests } from './object-requests.js';
import { StateDir } from './state-dir.js';

describe('object requests in the state dir', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('hands each reconcile request out once, with names that contain dots intact', () => {
    root = mkdtempSync(join(tmpdir(), 'hp-req-'));
    const dir = new StateDir(root);
    expect(takeReconcileRequests(dir)).toEqual([]);
    requestReconcile(dir, 'Addon/platform.loki');
    requestReconcile(dir, 'VirtualMachine/dev-master');
    expect(takeReconcileRequests(dir).sort()).toEqual(['Addon/platform.loki', 'VirtualMachine/dev-master']);
    expect(takeReconcileRequests(dir)).toEqual([]);
  });

  it('keeps suspension until resumed', () => {
    root = mkdtempSync(join(tmpdir(), 'hp-req-'));
    const dir = new StateDir(root);
    setSuspended(dir, 'Addon/a', true);
    expect([isSuspended(dir, 'Addon/a'), isSuspended(dir, 'Addon/b')]).toEqual([true, false]);
    setSuspended(dir, 'Addon/a', false);
    expect(isSuspended(dir, 'Addon/a')).toBe(false);
  });

  it('remembers when a user last asked for a reconcile, after the request itself is used up', () => {
    root = mkdtempSync(join(tmpdir(), 'hp-req-'));
    const dir = new StateDir(root);
    expect(reconcileRequestedAt(dir, 'Addon/dev-grafana')).toBeUndefined();
    requestReconcile(dir, 'Addon/dev-grafana', new Date('2026-12-06T20:00:00Z'));
    takeReconcileRequests(dir);
    expect(reconcileRequestedAt(dir, 'Addon/dev-grafana')).toBe('2026-12-06T20:00:00.000Z');
    markReconcileRequested(dir, 'Addon/dev-grafana', new Date('2026-12-06T20:01:00Z'));
    expect(reconcileRequestedAt(dir, 'Addon/dev-grafana')).toBe('2026-12-06T20:01:00.000Z');
    expect(reconcileRequestedAt(dir, 'Addon/other')).toBeUndefined();
  });
});
