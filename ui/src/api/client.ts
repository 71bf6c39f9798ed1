// Small fetch helpers. Every change request carries X-Hostplane-Request so cookie auth can tell it from a cross-site form.
import type { ApiErrorBody } from './types';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function failure(res: Response): Promise<ApiError> {
  let code = `HTTP${res.status}`;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as ApiErrorBody;
    if (body?.error) {
      code = body.error.code;
      message = body.error.message;
    }
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, code, message);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function postAction(path: string, method: 'POST' | 'DELETE' = 'POST'): Promise<string> {
  const res = await fetch(path, { method, headers: { accept: 'application/json', 'x-hostplane-request': '1' }, credentials: 'same-origin' });
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as { message?: string };
  return body.message ?? 'done';
}
