/**
 * The shapes of the identifiers the API takes in its paths. Checked before any table is read, so
 * a malformed id is a 404 in Chinese, never a DynamoDB error about key size.
 */

/** taskIdOf (adapters/tasks.ts): the first 24 hex digits of the token's SHA-256. */
export const isTaskId = (value: string): boolean => /^[0-9a-f]{24}$/.test(value);

/** intake (handlers/intake.ts): the first 20 hex digits of the intake key, a SHA-256. */
export const isDocId = (value: string): boolean => /^[0-9a-f]{20}$/.test(value);
