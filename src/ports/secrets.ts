// The secrets port: values referenced by name from specs (an SSH password, a key), never stored in
// them. Real adapter: src/adapters/secrets (files in the state dir or the environment).

export interface Secrets {
  /** The value of secret `name`; throws SecretNotFoundError when it does not exist (yet). */
  get(name: string): string;
  /** Every value handed out so far, for redaction in logs, events and API responses. */
  values(): string[];
}

/** The secret does not exist yet: a person can create it, and the object is looked at again then. */
export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  constructor(readonly secret: string, message: string) {
    super(message);
  }
}
