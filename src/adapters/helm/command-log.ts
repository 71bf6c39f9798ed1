// A record of the helm calls an adapter made, in order, for tests (dependsOn order, flags chosen
// per major) and for a per-object command log. Values never appear: they travel in a temp file
// whose path is logged as <values>.
export interface HelmCall {
  /** Subcommand: "upgrade", "status", ... */
  command: string;
  /** Full argument list with the values file replaced by <values>. */
  args: string[];
  release?: string;
  namespace?: string;
  startedAt: string;
  durationMs: number;
  exitCode: number | undefined;
  /** HelmError kind when it failed. */
  error?: string;
}

export class HelmCommandLog {
  readonly calls: HelmCall[] = [];
  constructor(private readonly max = 1000) {}
  record(call: HelmCall): void {
    this.calls.push(call);
    if (this.calls.length > this.max) this.calls.splice(0, this.calls.length - this.max);
  }
  /** "upgrade ns/name" strings, for asserting order. */
  summary(): string[] {
    return this.calls.map((c) => `${c.command}${c.release ? ` ${c.namespace ?? ''}/${c.release}` : ''}`);
  }
}
