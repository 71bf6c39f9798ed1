import { describe, expect, it } from 'vitest';
import { InvalidProvisionError, renderProvisionSteps } from './provision.js';
import { readVmSpec } from './spec.js';

const withKeys = (authorizedKeys: string[]) => readVmSpec({ image: 'img', provision: { users: [{ name: 'alice', authorizedKeys }] } });

describe('authorized keys', () => {
  it('travel as an uploaded file, never inside the script a root shell reads', () => {
    const [step] = renderProvisionSteps(withKeys(['ssh-ed25519 AAAAC3Nza alice@laptop', 'ssh-rsa AAAAB3Nza alice@desk']), 'inc');
    expect(step!.action.kind).toBe('script');
    const a = step!.action as Extract<typeof step.action, { kind: 'script' }>;
    expect(a.script).not.toContain('AAAA');
    expect(a.script).not.toMatch(/<</); // no heredoc at all
    expect(a.files).toEqual([{ path: expect.stringMatching(/^\/var\/tmp\/hostplane-authorized-keys-/), content: 'ssh-ed25519 AAAAC3Nza alice@laptop\nssh-rsa AAAAB3Nza alice@desk\n', mode: 0o600 }]);
    expect(a.script).toContain(`install -m 0600 -o 'alice' '${a.files![0]!.path}' "$home/.ssh/authorized_keys"`);
  });

  it.each([
    ['a newline and the old heredoc end marker', 'ssh-ed25519 AAAA x\nHOSTPLANE_KEYS\ntouch /root/pwned'],
    ['a carriage return', 'ssh-ed25519 AAAA x\rtouch /root/pwned'],
  ])('refuses a key with %s', (_what, key) => {
    expect(() => renderProvisionSteps(withKeys([key]), 'inc')).toThrow(InvalidProvisionError);
    expect(() => renderProvisionSteps(withKeys([key]), 'inc')).toThrow(/authorizedKeys: a key must be one line/);
  });
});
