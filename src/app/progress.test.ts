import { describe, expect, it } from 'vitest';
import type { HostObject } from '../api/types.js';
import type { HostEvent } from '../controllers/events.js';
import { progressLine, reportProgress } from './progress.js';

const obj = (kind: string, name: string, ready: boolean): HostObject =>
  ({ apiVersion: 'v1', kind, metadata: { name }, spec: {}, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }) as unknown as HostObject;

describe('up progress', () => {
  it('counts Ready per kind in the kinds order, leaving out kinds without objects', () => {
    const objs = [obj('Cluster', 'c', false), obj('VirtualMachine', 'a', true), obj('VirtualMachine', 'b', true), obj('Addon', 'x', false)];
    expect(progressLine(objs, ['VirtualMachine', 'Cluster', 'Addon', 'LoadTest'])).toEqual({ line: 'VMs 2/2 Ready · Clusters 0/1 · Addons 0/1', allReady: false });
    expect(progressLine([obj('VirtualMachine', 'a', true)], ['VirtualMachine']).allReady).toBe(true);
  });

  it('on a TTY rewrites one line in place and prints a warning above it', () => {
    let objs = [obj('VirtualMachine', 'a', false)];
    let notify = () => {};
    let emit: (e: HostEvent) => void = () => {};
    let written = '';
    const stop = reportProgress(
      { list: () => objs, watch: (l) => ((notify = l), () => {}), subscribe: (f) => ((emit = f), () => {}), events: () => [] },
      { kinds: ['VirtualMachine'], tty: true, write: (s) => (written += s), now: () => 1500, readySince: 0 },
    );
    emit({ id: 1, object: 'VirtualMachine/a', type: 'Warning', reason: 'X', message: 'y', count: 1, firstTimestamp: '', lastTimestamp: '' });
    objs = [obj('VirtualMachine', 'a', true)];
    notify();
    stop();
    expect(written).toBe('\r\x1b[KVMs 0/1 Ready\r\x1b[KWarning VirtualMachine/a X: y\nVMs 0/1 Ready\r\x1b[KVMs 1/1 Ready\r\x1b[Keverything is Ready (1.5s)\n');
  });
});
