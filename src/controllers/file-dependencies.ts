// Files an object's reconcile read besides its spec (an Addon's values files): when one changes,
// the object is queued again. Kind-agnostic: a reconciler declares the files it read, each time,
// and the runtime watches their directories (a save by rename replaces the file, so watching the
// file itself would go deaf after the first save).
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';

export class FileDependencies {
  /** key → absolute files it depends on. */
  private readonly byKey = new Map<string, Set<string>>();
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  constructor(private readonly onChange: (key: string) => void) {}

  /** Replaces the files `key` depends on (absolute or relative to the process cwd). */
  set(key: string, files: readonly string[]): void {
    if (this.closed) return;
    const abs = new Set(files.map((f) => resolve(f)));
    if (abs.size === 0) this.byKey.delete(key);
    else this.byKey.set(key, abs);
    this.sync();
  }

  forget(key: string): void {
    this.byKey.delete(key);
    this.sync();
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.byKey.clear();
  }

  /** Keys whose files include `file`. */
  dependantsOf(file: string): string[] {
    const abs = resolve(file);
    return [...this.byKey].filter(([, files]) => files.has(abs)).map(([k]) => k);
  }

  private sync(): void {
    const dirs = new Set<string>();
    for (const files of this.byKey.values()) for (const f of files) dirs.add(dirname(f));
    for (const [dir, w] of this.watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          // Some platforms omit the name: then every dependant of this directory looks again.
          const keys = name ? this.dependantsOf(resolve(dir, name.toString())) : this.dependantsIn(dir);
          for (const k of keys) this.onChange(k);
        });
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch {
        // A missing directory: the reconciler reports the missing file; it declares again on its next run.
      }
    }
  }

  private dependantsIn(dir: string): string[] {
    return [...this.byKey].filter(([, files]) => [...files].some((f) => dirname(f) === dir)).map(([k]) => k);
  }
}

