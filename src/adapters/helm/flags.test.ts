import { describe, expect, it } from 'vitest';
import { writeFlags } from './flags.js';

describe('writeFlags', () => {
  it.each([
    ['helm 3 waits with --wait', 3, { wait: true }, ['--wait']],
    ['helm 4 waits with the watcher (kstatus)', 4, { wait: true }, ['--wait=watcher']],
    ['helm 4 legacy waiter on request', 4, { wait: true, waitStrategy: 'legacy' }, ['--wait=legacy']],
    ['helm 3 has only its legacy waiter', 3, { wait: true, waitStrategy: 'legacy' }, ['--wait']],
    ['release labels (who installed it)', 4, { labels: { 'hostplane.dev/addon': 'gw' } }, ['--labels', 'hostplane.dev/addon=gw']],
    ['force per major', 4, { forceReplace: true }, ['--force-replace']],
  ] as const)('%s', (_what, major, opts, want) => {
    const args = writeFlags(major, opts as never, 'upgrade');
    expect(args).toEqual(want);
    expect(args.join(' ')).not.toMatch(/--atomic|--rollback-on-failure/);
  });
});
