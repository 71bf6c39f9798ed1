import { describe, expect, it } from 'vitest';
import { CelError, compileCel } from './cel.js';

describe('CEL subset', () => {
  const self = { mode: 'softnet', allow: ['0.0.0.0/0'], n: 3, nested: { a: 1 }, empty: [] };
  it.each<[string, unknown]>([
    ["self.mode == 'softnet'", true],
    ['self.mode != "softnet"', false],
    ['has(self.allow)', true],
    ['has(self.missing)', false],
    ['has(self.nested.a) && !has(self.nested.b)', true],
    ["!has(self.allow) || self.mode == 'softnet'", true],
    ['false || true && false', false],
    ['(false || true) && true', true],
    ['size(self.allow) > 0', true],
    ['self.empty.size() == 0', true],
    ['self.n >= 3 && self.n < 4', true],
    ["self.mode in ['shared', 'softnet']", true],
    ["'0.0.0.0/0' in self.allow", true],
    ['self.allow[0] == "0.0.0.0/0"', true],
    ["self.n > 2 ? 'big' : 'small'", 'big'],
    ['-self.n == -3', true],
  ])('%s → %j', (rule, want) => {
    expect(compileCel(rule).evaluate(self)).toEqual(want);
  });

  it('fails evaluation on a missing key, like CEL', () => {
    expect(() => compileCel('self.missing == 1').evaluate(self)).toThrow(CelError);
  });

  it.each([
    ['self.mode.matches("x")', /not supported/],
    ['other.x == 1', /undeclared reference to 'other'/],
    ['has(self)', /has\(\) takes one field selection/],
    ['self.mode ==', /unexpected/],
    ["self.mode == 'x", /unterminated string/],
  ])('refuses %s at compile time', (rule, error) => {
    expect(() => compileCel(rule)).toThrow(error);
  });

  it('marks transition rules', () => {
    expect(compileCel('self == oldSelf').transition).toBe(true);
    expect(compileCel('self == 1').transition).toBe(false);
  });
});
