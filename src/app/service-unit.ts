// `hostplane service install`: what runs `hostplane up` at login so the lab comes back after a host
// reboot — a systemd user unit on Linux, a launchd agent on macOS. Rendering only (pure): the CLI
// (src/cli/service.ts) writes the file and prints, or with --enable runs, the command that starts it.
import { isAbsolute, join } from 'node:path';

export type ServicePlatform = 'linux' | 'darwin';

export interface ServiceUnitInput {
  platform: ServicePlatform;
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of bin/hostplane.mjs. */
  bin: string;
  /** Absolute specs directory. */
  specsDir: string;
  /** The user's home (where the unit goes). */
  home: string;
  /** PATH for `up` (tart, qemu and the tools it finds there); the login session's is not inherited. */
  path?: string;
  /** Numeric user id, for launchctl's gui/<uid> domain. */
  uid?: number;
}

export interface ServiceUnit {
  /** Where the unit file goes. */
  file: string;
  content: string;
  /** The commands that start it now and at every login (printed; run with --enable). */
  enable: string[][];
  /** The commands that stop it (printed on uninstall; run with --disable). */
  disable: string[][];
}

export const SYSTEMD_UNIT_NAME = 'hostplane';
export const LAUNCHD_LABEL = 'dev.hostplane.up';

export class ServiceUnitError extends Error {}

export function renderServiceUnit(i: ServiceUnitInput): ServiceUnit {
  for (const [name, p] of [['node', i.node], ['bin', i.bin], ['specs directory', i.specsDir], ['home', i.home]] as const) {
    if (!isAbsolute(p)) throw new ServiceUnitError(`the ${name} path must be absolute (got ${p})`);
    if (/[\n\r\0]/.test(p)) throw new ServiceUnitError(`the ${name} path contains a line break or NUL`);
  }
  const args = [i.node, i.bin, 'up', '--specs', i.specsDir];
  return i.platform === 'linux' ? systemd(i, args) : launchd(i, args);
}

/** systemd's quoting: a word in double quotes, with \ " escaped, % doubled (specifiers) and $ doubled (variables). */
const sdQuote = (w: string) => `"${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;

function systemd(i: ServiceUnitInput, args: string[]): ServiceUnit {
  const lines = [
    '# Written by `hostplane service install`; remove with `hostplane service uninstall`.',
    '[Unit]',
    `Description=hostplane up: keep the lab in ${i.specsDir.replace(/%/g, '%%')} reconciled`,
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${args.map(sdQuote).join(' ')}`,
    `WorkingDirectory=${sdQuote(i.home)}`,
    ...(i.path ? [`Environment=${sdQuote(`PATH=${i.path}`)}`] : []),
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ];
  return {
    file: join(i.home, '.config', 'systemd', 'user', `${SYSTEMD_UNIT_NAME}.service`),
    content: lines.join('\n'),
    enable: [['systemctl', '--user', 'daemon-reload'], ['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT_NAME]],
    disable: [['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT_NAME]],
  };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function launchd(i: ServiceUnitInput, args: string[]): ServiceUnit {
  const file = join(i.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  const log = join(i.home, 'Library', 'Logs', 'hostplane.log');
  const content = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `hostplane service install`; remove with `hostplane service uninstall`. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...args.map((a) => `    <string>${xml(a)}</string>`),
    '  </array>',
    '  <key>WorkingDirectory</key>',
    `  <string>${xml(i.home)}</string>`,
    ...(i.path ? ['  <key>EnvironmentVariables</key>', '  <dict>', '    <key>PATH</key>', `    <string>${xml(i.path)}</string>`, '  </dict>'] : []),
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <true/>',
    '  <key>StandardOutPath</key>',
    `  <string>${xml(log)}</string>`,
    '  <key>StandardErrorPath</key>',
    `  <string>${xml(log)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
  const domain = `gui/${i.uid ?? 501}`;
  return { file, content, enable: [['launchctl', 'bootstrap', domain, file]], disable: [['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`]] };
}

/** A command line as a person would type it (single quotes where needed). */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
