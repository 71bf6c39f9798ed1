// Redaction: secrets never leave the API. Applied to every JSON body and every SSE payload.
//
// Three rules, any of which hides a value:
//  1. a field whose name says it holds a secret (password, privateKey, token, kubeconfig, …);
//  2. a string that looks like secret material (a PEM private key, kubeconfig content);
//  3. a string containing one of the host's known secret values (`secretValues()`).
// Fields that only *name* a secret (`passwordSecret`, `keySecret`, `kubeconfigPath`) stay visible:
// they are references, and a person needs them to fix a spec.

import { REDACTED } from '../controllers/events.js';

export { REDACTED };

/** Field names (lower-cased, without `_`/`-`) whose values are secrets. */
const SECRET_NAMES = new Set(['password', 'passwd', 'passphrase', 'privatekey', 'token', 'bearertoken', 'apitoken', 'clientsecret', 'kubeconfig', 'kubeconfigdata', 'kubeconfigcontent', 'certificatekey', 'secretvalue']);
/** Suffixes that make any field secret: `adminPassword`, `joinToken`, `sshPrivateKey`. */
const SECRET_SUFFIX = /(?:password|passwd|passphrase|privatekey|token)$/;

const PEM_PRIVATE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const KUBECONFIG_LIKE = /(?:client-key-data|client-certificate-data|certificate-authority-data)\s*:/;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;

/** Values shorter than this are hidden only when a whole string equals them (substring matches of "abc" would shred text). */
const MIN_SUBSTRING_SECRET = 4;

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[_-]/g, '');
  return SECRET_NAMES.has(k) || SECRET_SUFFIX.test(k);
}

export class Redactor {
  private readonly exact: Set<string>;
  private readonly substrings: string[];

  constructor(secretValues: readonly string[] = []) {
    const values = secretValues.filter((v) => typeof v === 'string' && v.length > 0);
    this.exact = new Set(values);
    // Longest first so a secret that contains another one is replaced whole.
    this.substrings = [...new Set(values.filter((v) => v.length >= MIN_SUBSTRING_SECRET))].sort((a, b) => b.length - a.length);
  }

  /** A redacted deep copy; the input is never mutated (store objects are frozen). */
  value<T>(input: T): T {
    return this.walk(input, undefined) as T;
  }

  /** Redacts secret material and known secret values inside free text (messages, errors). */
  text(s: string): string {
    if (this.exact.has(s)) return REDACTED;
    let out = s;
    if (out.includes('PRIVATE KEY-----')) out = out.replace(PEM_PRIVATE, REDACTED);
    if (KUBECONFIG_LIKE.test(out)) return REDACTED;
    out = out.replace(BEARER, `$1${REDACTED}`);
    for (const secret of this.substrings) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  private walk(v: unknown, key: string | undefined): unknown {
    // A secret-named scalar is hidden; a secret-named object (`kubeconfig: {merge: true}`, `password: {secretRef: …}`) is settings, so walk into it.
    if (key !== undefined && isSecretKey(key) && (typeof v === 'string' || typeof v === 'number') && v !== '') {
      return REDACTED;
    }
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.walk(x, undefined));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = this.walk(x, k);
      return out;
    }
    return v;
  }
}

/** Paths (`spec.ssh.password`) where a document carries the redaction placeholder: applying it back would write the placeholder to disk. */
export function findRedactedPlaceholders(doc: unknown, path = ''): string[] {
  if (doc === REDACTED) return [path || '(document)'];
  if (typeof doc === 'string' && doc.includes(REDACTED)) return [path || '(document)'];
  const out: string[] = [];
  if (Array.isArray(doc)) doc.forEach((x, i) => out.push(...findRedactedPlaceholders(x, `${path}[${i}]`)));
  else if (doc && typeof doc === 'object') {
    for (const [k, x] of Object.entries(doc as Record<string, unknown>)) out.push(...findRedactedPlaceholders(x, path ? `${path}.${k}` : k));
  }
  return out;
}
