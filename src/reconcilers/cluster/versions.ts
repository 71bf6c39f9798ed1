// Kubernetes versions hostplane can build: the minors of reference §2.7 (1.31–1.33), each with the
// patch it pins when the spec gives only the minor. kubeadm, kubelet and kubectl are installed at
// exactly that patch, and kubeadm's kubernetesVersion names it, so packages and control plane agree.

/** Supported minor → the patch installed when the spec names only the minor. */
export const SUPPORTED_MINORS: Readonly<Record<string, string>> = {
  '1.31': '1.31.9',
  '1.32': '1.32.5',
  '1.33': '1.33.1',
};

export interface KubeVersion {
  /** "1.31" */
  minor: string;
  /** "1.31.9" */
  patch: string;
  /** "v1.31.9", as kubeadm's kubernetesVersion wants it. */
  tag: string;
  /** Minor number as an integer (31), for skew arithmetic. */
  minorNumber: number;
}

const VERSION_RE = /^v?(1)\.(\d{1,3})(?:\.(\d{1,3}))?$/;

/** Parses "1.31", "v1.31" or "1.31.4"; undefined for anything else (including unsupported minors when `supportedOnly`). */
export function parseKubeVersion(text: string, supportedOnly = true): KubeVersion | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m) return undefined;
  const minor = `${m[1]}.${Number(m[2])}`;
  const pinned = SUPPORTED_MINORS[minor];
  if (supportedOnly && !pinned) return undefined;
  const patch = m[3] !== undefined ? `${minor}.${Number(m[3])}` : (pinned ?? `${minor}.0`);
  return { minor, patch, tag: `v${patch}`, minorNumber: Number(m[2]) };
}

export function supportedMinorsText(): string {
  return Object.keys(SUPPORTED_MINORS).join(', ');
}
