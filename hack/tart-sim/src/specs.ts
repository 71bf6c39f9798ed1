// Command-line definitions of the tart 2.x subcommands the simulator implements, in the
// declaration order of tart's Swift structs (it decides the order in the "Usage:" line).

import type { CommandSpec, OptionSpec } from './args.js';

const flag = (long: string, help: string, extra: Partial<OptionSpec> = {}): OptionSpec => ({ long, kind: 'flag', help, ...extra });
const option = (long: string, help: string, extra: Partial<OptionSpec> = {}): OptionSpec => ({ long, kind: 'option', help, ...extra });
const vmName = { name: 'name', valueName: 'name', help: 'VM name' };
const format = option('format', 'Output format: text or json', { type: { enum: ['text', 'json'] } });

export const ROOT: CommandSpec = { name: '', abstract: 'A tool to manage virtual machines on Apple Silicon.', positionals: [], options: [] };

export const SPECS: Record<string, CommandSpec> = {
  create: {
    name: 'create',
    abstract: 'Create a VM',
    positionals: [vmName],
    options: [
      option('from-ipsw', 'create a macOS VM using path to the IPSW file or URL (or "latest", to fetch the latest supported IPSW automatically)', { valueName: 'path' }),
      flag('linux', 'create a Linux VM'),
      option('disk-size', 'Disk size in GB', { type: 'uint16' }),
      option('disk-format', 'Disk image format', { type: { enum: ['raw', 'asif'] } }),
    ],
  },
  clone: {
    name: 'clone',
    abstract: 'Clone a VM',
    positionals: [
      { name: 'source', valueName: 'source-name', help: 'source VM name' },
      { name: 'new', valueName: 'new-name', help: 'new VM name' },
    ],
    options: [
      flag('insecure', 'connect to the OCI registry via insecure HTTP protocol'),
      option('concurrency', 'network concurrency to use when pulling a remote VM from the OCI-compatible registry', { type: 'uint' }),
      flag('deduplicate', '', { hidden: true }),
      option('prune-limit', 'limit automatic pruning to n gigabytes', { valueName: 'n', type: 'uint' }),
    ],
  },
  run: {
    name: 'run',
    abstract: 'Run a VM',
    positionals: [vmName],
    options: [
      flag('no-graphics', "Don't open a UI window."),
      flag('serial', 'Open serial console in /dev/ttySXX'),
      option('serial-path', 'Attach an externally created serial console'),
      flag('graphics', 'Force open a UI window, even when VNC is enabled.', { hidden: true }),
      flag('no-audio', 'Disable audio pass-through to host.'),
      flag('no-clipboard', 'Disable clipboard sharing between host and guest.'),
      flag('recovery', 'Boot into recovery mode'),
      flag('vnc', 'Use screen sharing instead of the built-in UI.'),
      flag('vnc-experimental', "Use Virtualization.Framework's VNC server instead of the built-in UI."),
      option('disk', 'Additional disk attachments', { valueName: 'path[:options]', repeating: true }),
      option('rosetta', 'Attaches a Rosetta share to the guest Linux VM with a specific tag', { valueName: 'tag' }),
      option('dir', 'Additional directory shares', { valueName: '[name:]path[:options]', repeating: true }),
      flag('nested', 'Enable nested virtualization if possible'),
      option('net-bridged', 'Use bridged networking instead of the default shared (NAT) networking', { valueName: 'interface name', repeating: true }),
      flag('net-softnet', 'Use software networking provided by Softnet instead of the default shared (NAT) networking'),
      option('net-softnet-allow', 'Comma-separated list of CIDRs to allow the traffic to when using Softnet isolation', { valueName: 'comma-separated CIDRs' }),
      option('net-softnet-block', 'Comma-separated list of CIDRs to block the traffic to when using Softnet isolation', { valueName: 'comma-separated CIDRs' }),
      option('net-softnet-expose', 'Comma-separated list of TCP ports to expose', { valueName: 'comma-separated port specifications' }),
      flag('net-host', 'Restrict network access to the host-only network'),
      option('root-disk-opts', 'Set the root disk options', { valueName: 'options' }),
      flag('suspendable', 'Disables audio and entropy devices and switches to only Mac-specific input devices.'),
      flag('capture-system-keys', 'Whether system hot keys should be sent to the guest instead of the host'),
      flag('no-trackpad', "Don't add trackpad as a pointing device on macOS VMs"),
      flag('no-pointer', 'Disable the pointer'),
      flag('no-keyboard', 'Disable the keyboard'),
    ],
  },
  set: {
    name: 'set',
    abstract: "Modify VM's configuration",
    positionals: [vmName],
    options: [
      option('cpu', 'Number of VM CPUs', { type: 'uint16' }),
      option('memory', 'VM memory size in megabytes', { type: 'uint64' }),
      option('display', 'VM display resolution in a format of WIDTHxHEIGHT[pt|px].'),
      flag('display-refit', "Whether to automatically reconfigure the VM's display to fit the window"),
      flag('no-display-refit', "Whether to automatically reconfigure the VM's display to fit the window"),
      flag('random-mac', 'Generate a new random MAC address for the VM.'),
      flag('random-serial', 'Generate a new random serial number for the macOS VM.'),
      option('disk', "Replace the VM's disk contents with the disk contents at path.", { valueName: 'path' }),
      option('disk-size', 'Resize the VMs disk to the specified size in GB (note that the disk size can only be increased to avoid losing data)', { type: 'uint16' }),
    ],
  },
  get: {
    name: 'get',
    abstract: "Get a VM's configuration",
    positionals: [{ ...vmName, help: 'VM name.' }],
    options: [format],
  },
  list: {
    name: 'list',
    abstract: 'List created VMs',
    positionals: [],
    options: [
      option('source', 'Only display VMs from the specified source (e.g. --source local, --source oci).'),
      format,
      flag('quiet', 'Only display VM names.', { short: 'q' }),
    ],
  },
  ip: {
    name: 'ip',
    abstract: "Get VM's IP address",
    positionals: [vmName],
    options: [
      option('wait', 'Number of seconds to wait for a potential VM booting', { type: 'uint16' }),
      option('resolver', 'Strategy for resolving IP address', { type: { enum: ['dhcp', 'arp', 'agent'] } }),
    ],
  },
  exec: {
    name: 'exec',
    abstract: 'Execute a command in a running VM',
    positionals: [vmName, { name: 'command', valueName: 'command', help: 'Command to execute', repeating: true }],
    options: [
      flag('interactive', 'Attach host\'s standard input to a remote command', { short: 'i' }),
      flag('tty', 'Allocate a remote pseudo-terminal (PTY)', { short: 't' }),
    ],
    passthroughAfterPositionals: true,
  },
  pull: {
    name: 'pull',
    abstract: 'Pull a VM from a registry',
    positionals: [{ name: 'remote', valueName: 'remote-name', help: 'remote VM name' }],
    options: [
      flag('insecure', 'connect to the OCI registry via insecure HTTP protocol'),
      option('concurrency', 'network concurrency to use when pulling a remote VM from the OCI-compatible registry', { type: 'uint' }),
      flag('deduplicate', '', { hidden: true }),
    ],
  },
  rename: {
    name: 'rename',
    abstract: 'Rename a local VM',
    positionals: [
      { name: 'name', valueName: 'name', help: 'VM name' },
      { name: 'new', valueName: 'new-name', help: 'new VM name' },
    ],
    options: [],
  },
  stop: {
    name: 'stop',
    abstract: 'Stop a VM',
    positionals: [vmName],
    options: [option('timeout', 'Seconds to wait for graceful termination before forcefully terminating the VM', { short: 't', type: 'uint64' })],
  },
  delete: {
    name: 'delete',
    abstract: 'Delete a VM',
    positionals: [{ ...vmName, repeating: true }],
    options: [],
  },
  fqn: {
    name: 'fqn',
    abstract: 'Get a fully-qualified VM name',
    positionals: [{ name: 'name', valueName: 'name', help: 'A remote VM name' }],
    options: [],
  },
  suspend: {
    name: 'suspend',
    abstract: 'Suspend a VM',
    positionals: [vmName],
    options: [],
  },
};

/** Real tart subcommands the simulator knows by name but does not simulate. */
export const NOT_SIMULATED = ['login', 'logout', 'push', 'import', 'export', 'prune'];
