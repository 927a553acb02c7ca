/**
 * Half-written forms (a task's decision, a submission), kept in sessionStorage as they are typed,
 * so a session that expires mid-sentence (and the login round trip) loses nothing. Cleared once
 * submitted. Keyed by the task id, or by the form's own name.
 */
const key = (taskId: string) => `chancery.draft.${taskId}`;

export function loadDraft(taskId: string): Record<string, unknown> | undefined {
  const raw = window.sessionStorage.getItem(key(taskId));
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function saveDraft(taskId: string, values: Record<string, unknown>): void {
  window.sessionStorage.setItem(key(taskId), JSON.stringify(values));
}

export function clearDraft(taskId: string): void {
  window.sessionStorage.removeItem(key(taskId));
}
