// Errors in the Kubernetes Status shape: the HTTP layer answers with code and reason as they are,
// so kubectl and helm print their usual messages and branch on reason (NotFound → create, …).
import type { KubeStatusErrorShape } from '../object-store.js';

type Details = KubeStatusErrorShape['details'];

export class KubeStatusError extends Error implements KubeStatusErrorShape {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Details,
  ) {
    super(message);
    this.name = 'KubeStatusError';
  }

  /** The JSON body a real API server sends. */
  toStatus(): Record<string, unknown> {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, details: this.details, code: this.code };
  }
}

export function isStatusError(e: unknown): e is KubeStatusError {
  return e instanceof KubeStatusError;
}

/** `deployments.apps` as the real server names a resource in messages (core: just `pods`). */
export function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const notFound = (resource: string, group: string, name: string) =>
  new KubeStatusError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource });

export const alreadyExists = (resource: string, group: string, name: string) =>
  new KubeStatusError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group, kind: resource });

export const conflict = (resource: string, group: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
  new KubeStatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`, { name, group, kind: resource });

export const badRequest = (message: string) => new KubeStatusError(400, 'BadRequest', message);

export const invalid = (kind: string, group: string, name: string, causes: { field: string; message: string; reason?: string }[]) =>
  new KubeStatusError(
    422,
    'Invalid',
    `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
    { name, group, kind, causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })) },
  );

export const forbidden = (message: string, details?: Details) => new KubeStatusError(403, 'Forbidden', message, details);

export const gone = (message: string) => new KubeStatusError(410, 'Expired', message);

export const unsupportedMediaType = (message: string) => new KubeStatusError(415, 'UnsupportedMediaType', message);

export const methodNotAllowed = (message: string) => new KubeStatusError(405, 'MethodNotAllowed', message);
