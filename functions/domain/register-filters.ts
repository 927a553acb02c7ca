/**
 * Filters of a register list and its export: by 办理状态 (在办 / 已办结 / 已归档 / 退文) and by
 * 承办科室. Entries carry no status of their own; it follows from the fields a document's route
 * writes into its entry (办理结果 at 阅办, 归档号 when filed, 退文 when sent back). One filter is
 * read two ways: as a DynamoDB FilterExpression (a register's year partition) and as a predicate
 * (a month, whose index holds keys only, so its entries are filtered after they are read).
 */
import type { BranchConfig } from './branch-config.js';
import { isIncomingRegister } from './incoming-series.js';

/** One test on an entry: a field (a path into nested maps) is present, absent, or equal to a value. */
export type Condition = { path: string[]; test: 'exists' | 'absent' } | { path: string[]; test: 'equals'; value: string };

export const REGISTER_STATUSES = {
  open: '在办',
  done: '已办结',
  filed: '已归档',
  returned: '退文',
} as const;
export type RegisterStatus = keyof typeof REGISTER_STATUSES;

const has = (field: string): Condition => ({ path: [field], test: 'exists' });
const lacks = (field: string): Condition => ({ path: [field], test: 'absent' });

/** What each status means on an entry; exactly one holds for any entry. */
const STATUS_CONDITIONS: Record<RegisterStatus, Condition[]> = {
  returned: [has('returnedAt')],
  filed: [has('archiveCode'), lacks('returnedAt')],
  done: [has('result'), lacks('archiveCode'), lacks('returnedAt')],
  open: [lacks('result'), lacks('archiveCode'), lacks('returnedAt')],
};

/** Registers whose entries are documents on a route: the incoming ones and internal requests. */
const hasStatus = (register: string) => isIncomingRegister(register) || register === 'internal';

/**
 * Where a register keeps its department: the incoming entry its 承办科室 by name (as 拟办 wrote
 * it), the archive catalogue the 机构代码, the chasing register the chased task's department.
 */
function departmentField(register: string): { path: string[]; by: 'name' | 'code' } | undefined {
  if (isIncomingRegister(register)) return { path: ['department'], by: 'name' };
  if (register === 'archive') return { path: ['orgCode'], by: 'code' };
  if (register === 'chasing') return { path: ['assignment', 'department'], by: 'code' };
  return undefined;
}

/** What a register can be filtered by, for the console's choices. */
export const registerFilters = (register: string) => ({ statuses: hasStatus(register), departments: departmentField(register) !== undefined });

export interface RegisterFilter {
  conditions: Condition[];
  /** In words, for an export's title: 生产技术科·已办结 */
  scope: string;
}

/**
 * The filter a list or export asked for (`status`, `department` as a code such as SCJSK or a name
 * such as 生产技术科), undefined when none, or a reason in Chinese for a value the register has not.
 */
export function parseRegisterFilter(
  register: string,
  query: { status?: string; department?: string },
  config: Pick<BranchConfig, 'departments'>,
): { ok: true; filter?: RegisterFilter } | { ok: false; reason: string } {
  const conditions: Condition[] = [];
  const scope: string[] = [];
  if (query.department !== undefined) {
    const field = departmentField(register);
    if (!field) return { ok: false, reason: '该登记簿没有承办科室，不能按科室（department）筛选' };
    const dept = config.departments.find((d) => d.code === query.department || d.name === query.department);
    if (!dept) {
      return { ok: false, reason: `没有这个科室（department）：${query.department.slice(0, 20)}，可选：${config.departments.map((d) => `${d.code}（${d.name}）`).join('、')}` };
    }
    conditions.push({ path: field.path, test: 'equals', value: field.by === 'name' ? dept.name : dept.code });
    scope.push(dept.name);
  }
  if (query.status !== undefined) {
    if (!hasStatus(register)) return { ok: false, reason: '该登记簿不分办理状态，不能按状态（status）筛选' };
    if (!Object.hasOwn(REGISTER_STATUSES, query.status)) {
      return { ok: false, reason: `办理状态（status）应为 ${Object.entries(REGISTER_STATUSES).map(([id, name]) => `${id}（${name}）`).join('、')}` };
    }
    const status = query.status as RegisterStatus;
    conditions.push(...STATUS_CONDITIONS[status]);
    scope.push(REGISTER_STATUSES[status]);
  }
  return conditions.length ? { ok: true, filter: { conditions, scope: scope.join('·') } } : { ok: true };
}

const valueAt = (entry: Record<string, unknown>, path: string[]): unknown =>
  path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined), entry);

/** Whether an entry passes every condition (the same meaning as the FilterExpression below). */
export const matchesFilter = (entry: Record<string, unknown>, filter: RegisterFilter): boolean =>
  filter.conditions.every((c) => {
    const v = valueAt(entry, c.path);
    return c.test === 'equals' ? v === c.value : (v !== undefined) === (c.test === 'exists');
  });

/** The filter as DynamoDB expression parts (names and values as placeholders, never inlined). */
export function filterExpression(filter: RegisterFilter): { FilterExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, string> } {
  const names: Record<string, string> = {};
  const values: Record<string, string> = {};
  const nameOf = (field: string) => {
    const placeholder = Object.keys(names).find((k) => names[k] === field) ?? `#f${Object.keys(names).length}`;
    names[placeholder] = field;
    return placeholder;
  };
  const parts = filter.conditions.map((c) => {
    const path = c.path.map(nameOf).join('.');
    if (c.test !== 'equals') return c.test === 'exists' ? `attribute_exists(${path})` : `attribute_not_exists(${path})`;
    const placeholder = `:f${Object.keys(values).length}`;
    values[placeholder] = c.value;
    return `${path} = ${placeholder}`;
  });
  return { FilterExpression: parts.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/** The status an entry of a register with statuses is in (for the list; the export prints 办理结果). */
export function statusOf(register: string, entry: Record<string, unknown>): RegisterStatus | undefined {
  if (!hasStatus(register)) return undefined;
  return (Object.keys(STATUS_CONDITIONS) as RegisterStatus[]).find((s) => matchesFilter(entry, { conditions: STATUS_CONDITIONS[s], scope: '' }));
}
