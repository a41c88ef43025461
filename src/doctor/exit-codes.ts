/** Exit codes of `rowback doctor`, for cron: everything recoverable, recoverable with limits, not recoverable. */
export const DOCTOR_EXIT = { ok: 0, warn: 20, fail: 21 } as const;
