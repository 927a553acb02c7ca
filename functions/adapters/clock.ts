/**
 * The time handlers act at. CHANCERY_FIXED_TIME (an ISO instant) pins it: tests use it to walk
 * deadlines across a holiday, and trainers to demo a given day. Unset, it is the real time.
 */
export function now(): Date {
  const pinned = process.env.CHANCERY_FIXED_TIME;
  if (!pinned) return new Date();
  const at = new Date(pinned);
  if (Number.isNaN(at.getTime())) throw new Error(`CHANCERY_FIXED_TIME is not an ISO time: ${pinned}`);
  return at;
}
