import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSuspended, requestReconcile, setSuspended, takeReconcileRequests } from './object-requests.js';
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
});
