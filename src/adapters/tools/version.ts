// Version detection of a helm or kubectl binary, so the adapters can pick flags by major.
import { execa } from 'execa';
import type { ToolName } from './bundles.js';

export interface ToolVersion {
  /** As the binary prints it, without the leading v: "3.17.3", "1.31.9". */
  version: string;
  major: number;
  minor: number;
}

export function parseVersion(text: string): ToolVersion | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (!m) return undefined;
  return { version: `${m[1]}.${m[2]}.${m[3]}`, major: Number(m[1]), minor: Number(m[2]) };
}

/** `helm version --template '{{.Version}}'` or `kubectl version --client -o json`. */
export async function detectVersion(tool: ToolName, binary: string, timeoutMs = 10_000): Promise<ToolVersion> {
  const args = tool === 'helm' ? ['version', '--template', '{{.Version}}'] : ['version', '--client', '-o', 'json'];
  const res = await execa(binary, args, { reject: false, timeout: timeoutMs, env: { HELM_NO_PLUGINS: '1' } });
  if (res.exitCode !== 0) {
    throw new Error(`${binary} ${args.join(' ')} exited ${res.exitCode ?? res.signal}: ${String(res.stderr).trim().slice(0, 300)}`);
  }
  let text = String(res.stdout);
  if (tool === 'kubectl') {
    try {
      text = (JSON.parse(text) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '';
    } catch {
      /* fall through to the parse below, which reports the output */
    }
  }
  const v = parseVersion(text);
  if (!v) throw new Error(`cannot read a version from ${binary} ${args.join(' ')}: ${JSON.stringify(String(res.stdout).slice(0, 200))}`);
  return v;
}
