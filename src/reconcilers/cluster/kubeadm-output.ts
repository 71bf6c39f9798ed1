// Parsing what kubeadm prints, for the join and certificate steps:
// - `kubeadm token create --print-join-command` → endpoint, token and CA hash (§2.3), which
//   kubeadm-config.ts turns into a JoinConfiguration;
// - `kubeadm certs check-expiration` (its table, or `-o json`) → CertExpiry[] for
//   upgrade-plan.ts's renewal decision.
import type { CertExpiry } from './upgrade-plan.js';

export interface JoinCommand {
  apiServerEndpoint: string;
  token: string;
  caCertHash: string;
}

export class KubeadmOutputError extends Error {}

export function parseJoinCommand(output: string): JoinCommand {
  const line = output.split(/\r?\n/).map((l) => l.replace(/\\$/, '').trim()).join(' ');
  const m = /kubeadm join\s+(\S+)\s+.*?--token\s+(\S+).*?--discovery-token-ca-cert-hash\s+(\S+)/.exec(line);
  if (!m) throw new KubeadmOutputError('kubeadm token create --print-join-command printed no join command');
  return { apiServerEndpoint: m[1]!, token: m[2]!, caCertHash: m[3]! };
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** "Dec 06, 2027 04:00 UTC" (Go's "Jan 02, 2006 15:04 MST"; kubeadm prints UTC). */
function parseKubeadmDate(text: string): Date | undefined {
  const m = /^([A-Z][a-z]{2}) (\d{2}), (\d{4}) (\d{2}):(\d{2}) UTC$/.exec(text.trim());
  if (!m || MONTHS[m[1]!] === undefined) return undefined;
  return new Date(Date.UTC(Number(m[3]), MONTHS[m[1]!]!, Number(m[2]), Number(m[4]), Number(m[5])));
}

/** Certificates and CAs with their expiry; missing or externally managed ones are left out. */
export function parseCertExpiration(output: string): CertExpiry[] {
  const t = output.trim();
  if (t.startsWith('{')) {
    const doc = JSON.parse(t) as { certificates?: Array<{ name: string; expirationDate?: string; missing?: boolean; externallyManaged?: boolean }>; certificateAuthorities?: Array<{ name: string; expirationDate?: string; missing?: boolean; externallyManaged?: boolean }> };
    return [...(doc.certificates ?? []), ...(doc.certificateAuthorities ?? [])]
      .filter((c) => !c.missing && !c.externallyManaged && c.expirationDate)
      .map((c) => ({ name: c.name, notAfter: new Date(c.expirationDate!) }));
  }
  const out: CertExpiry[] = [];
  for (const line of t.split(/\r?\n/)) {
    const m = /^(\S+)\s+([A-Z][a-z]{2} \d{2}, \d{4} \d{2}:\d{2} UTC)\s+\S+\s+(?:\S+\s+)?(yes|no)\s*$/.exec(line.trim());
    if (!m || m[3] === 'yes') continue;
    const d = parseKubeadmDate(m[2]!);
    if (d) out.push({ name: m[1]!, notAfter: d });
  }
  if (out.length === 0) throw new KubeadmOutputError('kubeadm certs check-expiration printed no certificate rows');
  return out;
}
