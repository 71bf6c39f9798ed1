import { describe, expect, it } from 'vitest';
import { cidrContainsIp, cidrsOverlap, parseCidr, parseIPv4 } from './cidr.js';

describe('IPv4 CIDRs', () => {
  it.each([
    ['10.20.0.0/16', '10.97.0.0/16', false],
    ['10.0.0.0/8', '10.96.0.0/12', true],
    ['10.96.0.0/12', '10.97.0.0/16', true],
    ['192.168.64.0/24', '192.168.64.128/25', true],
    ['192.168.64.0/24', '192.168.65.0/24', false],
    ['0.0.0.0/0', '172.16.0.0/12', true],
  ])('%s and %s overlap: %s', (a, b, want) => {
    expect(cidrsOverlap(parseCidr(a)!, parseCidr(b)!)).toBe(want);
    expect(cidrsOverlap(parseCidr(b)!, parseCidr(a)!)).toBe(want);
  });

  it.each(['10.0.0/8', '10.0.0.256/8', '10.0.0.0/33', '10.0.0.0', 'a.b.c.d/8', '10.0.0.0/8; rm -rf /'])('rejects %s', (t) => {
    expect(parseCidr(t)).toBeUndefined();
  });

  it('masks host bits and tests membership', () => {
    const c = parseCidr('10.20.1.5/16')!;
    expect(cidrContainsIp(c, parseIPv4('10.20.255.1')!)).toBe(true);
    expect(cidrContainsIp(c, parseIPv4('10.21.0.1')!)).toBe(false);
  });
});
