// What reconcilers need from the runtime, as small structural types (easy to fake in tests).
export interface EventSink {
  record(e: { object: string; type: 'Normal' | 'Warning'; reason: string; message: string }): void;
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {} };
