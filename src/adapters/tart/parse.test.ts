import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../ports/vm-provider.js';
import { classifyTartError } from './errors.js';
import { gbToGiB, gibToGb, parseTartGet, parseTartList, parseTartVersion } from './parse.js';

// `tart list --format json` as each 2.x generation prints it (reference/tart.md §2 and §8).
const FIXTURES: { version: string; json: string }[] = [
  {
    version: '2.0.0 (Source, Name, Size, Running, State)',
    json: `[
  {
    "Source" : "local",
    "Name" : "dev-master",
    "Size" : 20,
    "Running" : true,
    "State" : "running"
  },
  {
    "Source" : "OCI",
    "Name" : "ghcr.io\\/cirruslabs\\/ubuntu:latest",
    "Size" : 20,
    "Running" : false,
    "State" : "stopped"
  }
]`,
  },
  {
    version: '2.6.1 (adds Disk)',
    json: '[{"Source":"local","Name":"dev-master","Disk":50,"Size":3,"Running":true,"State":"running"}]',
  },
  {
    version: '2.15.0–2.30.x (adds SizeOnDisk)',
    json: '[{"Source":"local","Name":"dev-master","Disk":50,"Size":3,"SizeOnDisk":3,"Running":true,"State":"running"}]',
  },
  {
    version: '2.31.0+ (SizeOnDisk → Accessed)',
    json: '[{"Source":"local","Name":"dev-master","Disk":50,"Size":3,"Accessed":"2026-03-01T10:15:30Z","Running":true,"State":"running"}]',
  },
  {
    version: 'a future 2.x with keys reordered and an unknown field',
    json: '[{"State":"running","Name":"dev-master","Zone":"a","Source":"local","Disk":50}]',
  },
  {
    version: 'pre-1.8 shape with Running only (no State)',
    json: '[{"Source":"local","Name":"dev-master","Size":3,"Running":true}]',
  },
];

describe('parseTartList', () => {
  for (const f of FIXTURES) {
    it(`reads a running local VM from the ${f.version} shape`, () => {
      const vms = parseTartList(f.json);
      expect(vms).toHaveLength(1);
      expect(vms[0]).toMatchObject({ name: 'dev-master', state: 'running' });
    });
  }

  it('parses by field name, not column position (seed 003 BUG-008 read State from the Disk column)', () => {
    const vms = parseTartList('[{"Disk":20,"State":"stopped","Name":"platform-master","Source":"local","Size":5,"Accessed":"30m ago"}]');
    expect(vms[0].state).toBe('stopped');
    expect(vms[0].diskGiB).toBe(gbToGiB(20));
    expect(vms[0].details).toMatchObject({ diskGB: 20, sizeGB: 5 });
  });

  it('State wins over the deprecated Running field and suspended is kept', () => {
    expect(parseTartList('[{"Source":"local","Name":"a","Running":false,"State":"suspended"}]')[0].state).toBe('suspended');
  });

  it('leaves out OCI cache entries (images, not VMs), including the first fixture\'s', () => {
    expect(parseTartList(FIXTURES[0].json).map((v) => v.name)).toEqual(['dev-master']);
  });

  it('an empty list in Foundation\'s pretty form is an empty array', () => {
    expect(parseTartList('[\n\n]')).toEqual([]);
  });

  it('garbage, a non-array, or a VM without State/Running is an error, never an empty list', () => {
    expect(() => parseTartList('Source Name Disk\nlocal a 20')).toThrow(ProviderError);
    expect(() => parseTartList('{"Name":"a"}')).toThrow(/expected an array/);
    expect(() => parseTartList('[{"Source":"local","Name":"a","State":"booting"}]')).toThrow(/refusing to guess/);
  });
});

describe('parseTartGet / parseTartVersion / unit conversion', () => {
  it('get json: Memory MiB, Disk GB → GiB, Size string tolerated', () => {
    const g = parseTartGet('{"OS":"linux","CPU":4,"Memory":4096,"Disk":20,"DiskFormat":"raw","Size":"3.125","Display":"1024x768","Running":false,"State":"stopped"}', 'a');
    expect(g).toEqual({ state: 'stopped', cpu: 4, memoryMiB: 4096, diskGiB: 18, os: 'linux' });
  });

  it('versions: release numbers parse, SNAPSHOT and junk do not', () => {
    expect(parseTartVersion('2.32.1\n')).toMatchObject({ major: 2, minor: 32, patch: 1 });
    expect(parseTartVersion('SNAPSHOT\n')).toBeUndefined();
    expect(parseTartVersion('')).toBeUndefined();
  });

  it('GiB → GB for --disk-size rounds up so the disk is never smaller than asked; GB → GiB round-trips', () => {
    expect(gibToGb(50)).toBe(54);
    expect(gbToGiB(gibToGb(50))).toBe(50);
    expect(gibToGb(20)).toBe(22);
  });
});

describe('classifyTartError', () => {
  const cases: { title: string; args: string[]; exitCode: number; stderr: string; code: string; words: RegExp }[] = [
    {
      title: 'exit 64 unknown option (seed 001 BUG-001 tart run --config)',
      args: ['run', 'dev-master', '--config', 'user-data=x', '--no-graphics'],
      exitCode: 64,
      stderr: "Error: Unknown option '--config'\nUsage: tart run [<options>] <name>\n  See 'tart run --help' for more information.\n",
      code: 'InvalidArgument',
      words: /Unknown option '--config'/,
    },
    { title: 'missing VM (exit 2)', args: ['ip', 'x'], exitCode: 2, stderr: 'the specified VM "x" does not exist\n', code: 'NotFound', words: /does not exist/ },
    { title: 'missing VM from run validate (exit 1, Error:)', args: ['run', 'x'], exitCode: 1, stderr: 'Error: the specified VM "x" does not exist\n', code: 'NotFound', words: /does not exist/ },
    { title: 'image not in the registry', args: ['clone', 'ghcr.io/a/does-not-exist:latest', 'x'], exitCode: 1, stderr: 'Error: UnexpectedHTTPStatusCode(when: "pulling manifest", code: 404, details: "")\n', code: 'NotFound', words: /pulling manifest/ },
    { title: 'run of a running VM', args: ['run', 'x'], exitCode: 2, stderr: 'VM "x" is already running!\n', code: 'AlreadyRunning', words: /already running/ },
    { title: 'delete of a running VM', args: ['delete', 'x'], exitCode: 1, stderr: 'VM "x" is running\n', code: 'AlreadyRunning', words: /is running/ },
    { title: 'untracked instance holds the aux storage (#967)', args: ['run', 'x'], exitCode: 1, stderr: 'Error Domain=VZErrorDomain Code=2 "Failed to lock auxiliary storage."\n', code: 'AlreadyRunning', words: /auxiliary storage/ },
    { title: 'stop of a stopped VM', args: ['stop', 'x'], exitCode: 2, stderr: 'VM "x" is not running\n', code: 'NotRunning', words: /not running/ },
    { title: 'no IP yet', args: ['ip', 'x', '--wait', '5'], exitCode: 1, stderr: 'no IP address found, is your VM running?\n', code: 'NoIpYet', words: /no IP address found/ },
    { title: 'softnet without root', args: ['run', 'x'], exitCode: 1, stderr: 'root privileges are required to run and passwordless sudo was not available\nRuntimeFailed(why: "Softnet process terminated prematurely")\n', code: 'NeedsPrivileges', words: /Softnet process terminated/ },
    { title: 'softnet missing', args: ['run', 'x'], exitCode: 1, stderr: 'Error: InitializationFailed(why: "softnet not found in PATH")\n', code: 'ProviderUnavailable', words: /softnet not found/ },
    { title: 'the 2-macOS-VM limit', args: ['run', 'x'], exitCode: 1, stderr: 'The number of VMs exceeds the system limit (other running VMs: a, b)\n', code: 'VmLimitReached', words: /other running VMs: a, b/ },
    { title: 'disk shrink', args: ['set', 'x', '--disk-size', '10'], exitCode: 1, stderr: 'new disk size of 10 GB should be larger than the current disk size of 20 GB\n', code: 'InvalidArgument', words: /should be larger/ },
    { title: 'anything else', args: ['clone', 'a', 'b'], exitCode: 1, stderr: 'Error: The operation couldn’t be completed. No space left on device\n', code: 'CommandFailed', words: /No space left/ },
  ];
  for (const c of cases) {
    it(`${c.title} → ${c.code}, message quotes the command and tart's words`, () => {
      const e = classifyTartError({ args: c.args, exitCode: c.exitCode, stderr: c.stderr });
      expect(e).toBeInstanceOf(ProviderError);
      expect(e.code).toBe(c.code);
      expect(e.message).toMatch(c.words);
      expect(e.message).toContain(`tart ${c.args[0]} ${c.args[1]}`);
      expect(e.message).toContain(`exit ${c.exitCode}`);
      expect(e.message).not.toContain('Usage:');
      expect(e.detail).toMatchObject({ exitCode: c.exitCode, command: ['tart', ...c.args] });
    });
  }
});
