// GitOps revision of the spec files (Flux's lastAppliedRevision): when the specs directory is inside
// a git checkout, which commit HEAD is (`main@sha1:<40 hex>`) and which spec files differ from it.
//
// Cost is bounded: git runs only when HEAD or the ref it points to changed (seen from a read of
// .git/HEAD and two stats, cheap enough for every poll), or for the spec files that just changed —
// never per object per poll. No git, or not a checkout: no revision, no error.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';

/** What a spec file's objects record in their status. */
export interface SpecRevision {
  /** `<branch>@sha1:<40 hex>`, or `sha1:<40 hex>` on a detached HEAD. */
  lastAppliedRevision: string;
  /** The file differs from that commit (edited, staged or untracked). */
  dirty: boolean;
}

/** Runs git with arguments in a directory; resolves with stdout, rejects when git fails or is missing. */
export type GitRunner = (args: string[], cwd: string) => Promise<string>;

const defaultRunner: GitRunner = async (args, cwd) => {
  // No optional locks: `git status` must not take index.lock in a checkout a person works in.
  const r = await execa('git', args, { cwd, env: { GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' }, timeout: 10_000, stripFinalNewline: false });
  return r.stdout;
};

interface Checkout {
  /** Where HEAD lives (a linked worktree has its own). */
  gitDir: string;
  /** Where refs and packed-refs live. */
  commonDir: string;
}

/** The .git directory above `dir` (a `.git` file, as in linked worktrees, is followed). */
export function findCheckout(dir: string): Checkout | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const dotGit = join(d, '.git');
    try {
      const st = statSync(dotGit);
      let gitDir = dotGit;
      if (st.isFile()) {
        const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
        if (!m) return undefined;
        gitDir = isAbsolute(m[1]!.trim()) ? m[1]!.trim() : resolve(d, m[1]!.trim());
      }
      const commonFile = join(gitDir, 'commondir');
      const commonDir = existsSync(commonFile) ? resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
      return { gitDir, commonDir };
    } catch {
      /* no .git here */
    }
    if (dirname(d) === d) return undefined;
  }
}

function statKey(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return '-';
  }
}

export interface GitRevisionsOptions {
  specsDir: string;
  run?: GitRunner;
  /** Told when files' revisions changed: those files (relative paths), or 'all' after HEAD moved. */
  onChange: (files: string[] | 'all') => void;
  /** Git failed for a reason other than "not a checkout" (told once per distinct message). */
  onError?: (message: string) => void;
}

export class GitRevisions {
  private readonly specsDir: string;
  private readonly run: GitRunner;
  private readonly onChange: (files: string[] | 'all') => void;
  private readonly onError?: (message: string) => void;
  private checkout?: Checkout | null; // null: looked, none
  private headKey?: string;
  private revision?: string;
  /** The specs dir's path inside the repository, with a trailing slash ('' at the top). */
  private prefix = '';
  private readonly dirty = new Set<string>();
  private pendingFiles = new Set<string>();
  private running: Promise<void> = Promise.resolve();
  private lastError?: string;
  /** git invocations so far (the cost the tests bound). */
  execs = 0;

  constructor(opts: GitRevisionsOptions) {
    this.specsDir = resolve(opts.specsDir);
    this.run = opts.run ?? defaultRunner;
    this.onChange = opts.onChange;
    this.onError = opts.onError;
  }

  /** The revision the objects of `file` (relative to the specs dir) came from; undefined outside a checkout. */
  of(file: string): SpecRevision | undefined {
    if (!this.revision) return undefined;
    return { lastAppliedRevision: this.revision, dirty: this.dirty.has(file) };
  }

  /**
   * Looks at HEAD (cheap: a small read and two stats); on a change, asks git once for the commit and
   * the dirty files. Also reads the files named since the last call. Calls never overlap.
   */
  poll(changedFiles: Iterable<string> = []): Promise<void> {
    for (const f of changedFiles) this.pendingFiles.add(f);
    this.running = this.running.then(() => this.step()).catch((err) => this.fail(err));
    return this.running;
  }

  private currentHeadKey(): string | undefined {
    if (this.checkout === undefined) this.checkout = findCheckout(this.specsDir) ?? null;
    if (!this.checkout) return undefined;
    let head: string;
    try {
      head = readFileSync(join(this.checkout.gitDir, 'HEAD'), 'utf8').trim();
    } catch {
      return undefined;
    }
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    const refKey = ref ? `${statKey(join(this.checkout.commonDir, ref))}|${statKey(join(this.checkout.gitDir, ref))}` : '';
    return `${head}|${refKey}|${statKey(join(this.checkout.commonDir, 'packed-refs'))}`;
  }

  private async step(): Promise<void> {
    const key = this.currentHeadKey();
    if (key !== this.headKey) {
      this.headKey = key;
      this.pendingFiles.clear();
      await this.readAll(key);
      this.onChange('all');
      return;
    }
    if (!this.revision || !this.pendingFiles.size) return;
    const files = [...this.pendingFiles];
    this.pendingFiles.clear();
    const dirtyNow = await this.dirtyFiles(files);
    const changed = files.filter((f) => this.dirty.has(f) !== dirtyNow.has(f));
    for (const f of files) {
      if (dirtyNow.has(f)) this.dirty.add(f);
      else this.dirty.delete(f);
    }
    if (changed.length) this.onChange(changed);
  }

  private async readAll(key: string | undefined): Promise<void> {
    this.dirty.clear();
    this.revision = undefined;
    if (!key || !this.checkout) return;
    let out: string;
    try {
      this.execs++;
      out = await this.run(['rev-parse', 'HEAD', '--show-prefix'], this.specsDir);
    } catch {
      return; // no commit yet, or git missing: no revision
    }
    const [sha, prefix = ''] = out.split('\n');
    if (!/^[0-9a-f]{40}$/.test(sha ?? '')) return;
    this.prefix = prefix.trim();
    const head = readFileSync(join(this.checkout.gitDir, 'HEAD'), 'utf8').trim();
    const branch = /^ref:\s*refs\/heads\/(\S+)$/.exec(head)?.[1];
    for (const f of await this.dirtyFiles(['.'])) this.dirty.add(f);
    this.revision = `${branch ? `${branch}@` : ''}sha1:${sha}`;
  }

  /** Which of `paths` (relative to the specs dir; '.' for all) differ from HEAD: one `git status`. */
  private async dirtyFiles(paths: string[]): Promise<Set<string>> {
    this.execs++;
    const out = await this.run(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...paths.map((p) => (p === '.' ? '.' : `:(literal)${p}`))], this.specsDir);
    const dirty = new Set<string>();
    for (const entry of out.split('\0')) {
      if (entry.length < 4) continue;
      const path = entry.slice(3); // "XY path", relative to the repository root
      if (path.startsWith(this.prefix)) dirty.add(path.slice(this.prefix.length));
    }
    return dirty;
  }

  private fail(err: unknown): void {
    const message = `cannot read the git revision of ${this.specsDir}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    if (message !== this.lastError) this.onError?.(message);
    this.lastError = message;
  }
}
