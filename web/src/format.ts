/** Dates and urgency the way Chinese offices write them. */
import dayjs from 'dayjs';

/** 2026年11月24日 */
export const fullDate = (iso: string | undefined): string => (iso ? dayjs(iso).format('YYYY年M月D日') : '');

/** 11月24日 14:16, with the year when it is not this year. */
export const shortDateTime = (iso: string | undefined): string => {
  if (!iso) return '';
  const d = dayjs(iso);
  return d.format(d.year() === dayjs().year() ? 'M月D日 HH:mm' : 'YYYY年M月D日 HH:mm');
};

/** antd colours by 紧急程度: 特急 red, 加急 orange, the rest plain. */
export const urgencyColor = (urgency: string | undefined): string | undefined =>
  urgency === '特急' ? 'red' : urgency === '加急' ? 'orange' : undefined;

export const isOverdue = (dueAt: string | undefined, overdue?: boolean): boolean =>
  Boolean(overdue) || (dueAt !== undefined && dayjs(dueAt).isBefore(dayjs()));
