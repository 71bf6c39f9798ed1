/** Exit codes scripts can trust (README: 0 ok, 1 error, 2 usage, 3 state dir locked, 4 not found, 5 wait timed out). */
export const EXIT = { ok: 0, error: 1, usage: 2, locked: 3, notFound: 4, timeout: 5 } as const;
