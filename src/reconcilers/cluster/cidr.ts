// IPv4 CIDR arithmetic for spec validation (overlaps between pod, service and VM networks).

export interface Cidr {
  text: string;
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IP_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIPv4(text: string): number | undefined {
  const m = IP_RE.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
}

/** Parses a.b.c.d/n; host bits are masked off (10.20.1.5/16 covers 10.20.0.0/16). */
export function parseCidr(text: string): Cidr | undefined {
  const m = CIDR_RE.exec(text.trim());
  if (!m) return undefined;
  const ip = parseIPv4(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
  const prefix = Number(m[5]);
  if (ip === undefined || prefix > 32) return undefined;
  return { text: text.trim(), base: (ip & mask(prefix)) >>> 0, prefix };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

export function cidrContainsIp(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.base;
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}
