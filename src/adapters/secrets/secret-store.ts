// Secrets are referenced by name from specs and never stored in them: they live in
// <state>/secrets/<name> (mode 0600) or come from HOSTPLANE_SECRET_<NAME> in the environment.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Secrets } from '../../ports/secrets.js';
import { SecretNotFoundError } from '../../ports/secrets.js';

/** The Cirrus Labs images' documented login; usable without creating a secret file. */
const BUILT_IN: Record<string, string> = { 'tart-default': 'admin' };

export class SecretStore implements Secrets {
  private readonly seen = new Set<string>();

  /** @param dir the folder that holds one file per secret (`<state>/secrets`) */
  constructor(private readonly dir: string, private readonly env: NodeJS.ProcessEnv = process.env) {}

  get(name: string): string {
    const envName = `HOSTPLANE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    const fromEnv = this.env[envName];
    if (fromEnv !== undefined) return this.remember(fromEnv);
    const file = join(this.dir, name);
    try {
      const st = statSync(file);
      if ((st.mode & 0o077) !== 0) throw new Error(`secret file ${file} is readable by others; run: chmod 600 ${file}`);
      return this.remember(readFileSync(file, 'utf8').replace(/\n$/, ''));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // A documented public default, not a secret: redacting "admin" would blank user names everywhere.
    if (name in BUILT_IN) return BUILT_IN[name];
    throw new SecretNotFoundError(name, `secret "${name}" not found: create ${file} (mode 0600) or set ${envName}`);
  }

  /** Every secret value handed out so far, for redaction in events, logs and API responses. */
  values(): string[] {
    return [...this.seen];
  }

  private remember(v: string): string {
    if (v.length >= 4) this.seen.add(v);
    return v;
  }
}
