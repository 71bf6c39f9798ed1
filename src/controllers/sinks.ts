// The one logger and the one event sink of hostplane: what the runtime and the reconcilers write
// to, as small structural types (easy to fake in tests).
export interface EventSink {
  record(e: { object: string; type: 'Normal' | 'Warning'; reason: string; message: string }): void;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  /** Defaults to warn where a logger has no error level. */
  error?(msg: string, fields?: LogFields): void;
  debug?(msg: string, fields?: LogFields): void;
}
