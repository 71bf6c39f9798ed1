// Where a VM's logs live: the one function every writer (steps, command log) and reader
// (`hostplane logs`, the API) uses.
import { join } from 'node:path';

export type VmLogName = 'console' | 'provision' | 'commands';

export const VM_LOG_NAMES: readonly VmLogName[] = ['console', 'provision', 'commands'];

/** `<state>/logs/VirtualMachine/<name>.<which>.log` */
export function vmLogPath(stateRoot: string, name: string, which: VmLogName): string {
  return join(stateRoot, 'logs', 'VirtualMachine', `${name}.${which}.log`);
}
