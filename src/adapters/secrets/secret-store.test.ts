import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateDir } from '../../controllers/state-dir.js';
import { SecretStore } from './secret-store.js';

describe('SecretStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'secrets-'));
  const dir = new StateDir(root);
  mkdirSync(join(root, 'secrets'));
  writeFileSync(join(root, 'secrets', 'db'), 's3cret-pass\n', { mode: 0o600 });
  writeFileSync(join(root, 'secrets', 'loose'), 'visible', { mode: 0o644 });
  chmodSync(join(root, 'secrets', 'loose'), 0o644);

  it.each([
    ['a file in the state dir (trailing newline dropped)', 'db', {}, 's3cret-pass'],
    ['the environment first', 'db', { HOSTPLANE_SECRET_DB: 'from-env' }, 'from-env'],
    ['the documented tart default', 'tart-default', {}, 'admin'],
  ])('reads %s', (_w, name, env, want) => {
    expect(new SecretStore(dir.path('secrets'), env).get(name)).toBe(want);
  });

  it('refuses a secret file others can read, and names the fix', () => {
    expect(() => new SecretStore(dir.path('secrets'), {}).get('loose')).toThrow(/chmod 600/);
  });

  it('explains where a missing secret should go', () => {
    expect(() => new SecretStore(dir.path('secrets'), {}).get('nope')).toThrow(/create .*secrets\/nope \(mode 0600\) or set HOSTPLANE_SECRET_NOPE/);
  });

  it('offers real secrets for redaction but not the public tart default', () => {
    const s = new SecretStore(dir.path('secrets'), {});
    s.get('db');
    s.get('tart-default');
    expect(s.values()).toEqual(['s3cret-pass']);
    rmSync(root, { recursive: true, force: true });
  });
});
