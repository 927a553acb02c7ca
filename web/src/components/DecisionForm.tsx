/**
 * A step's decision form, rendered from its JSON Schema (GET /routes): a string is a TextArea for
 * the opinion and an Input otherwise, an enum a Radio group (a Select when long), a boolean a
 * Switch, a YYYY-MM-DD string a DatePicker; the branch's departments are picked from a list.
 * Only "required" is checked here: everything else is the API's to refuse, and its Chinese
 * message is shown next to the button.
 */
import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, DatePicker, Form, Input, InputNumber, Radio, Select, Switch } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api, ApiError, type JsonSchema, type RouteStep } from '../api';
import { clearDraft, loadDraft, saveDraft } from '../drafts';
import { enumLabel, FIELD_LABELS } from '../labels';

const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
const isDate = (s: JsonSchema) => s.format === 'date' || s.pattern === DATE_PATTERN;
const typeOf = (s: JsonSchema) => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);
const isDepartmentField = (name: string) => /(^d|D)epartments?$/.test(name);

export interface Department {
  code: string;
  name: string;
}

interface Props {
  taskId: string;
  step: RouteStep;
  departments: Department[];
  onDecided: () => void;
}

type Values = Record<string, unknown>;

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
/** A list of small records (外单位: 收文单位、送达方式、日期): each row is a few fields side by side. */
const isObjectList = (s: JsonSchema) => typeOf(s) === 'array' && typeOf(s.items ?? {}) === 'object' && Boolean(s.items?.properties);

/** Form values (dayjs for dates) to the JSON the API takes, leaving out what is empty. */
function toBody(schema: JsonSchema, values: Values): Values {
  const body: Values = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    let v = values[name];
    // Rows left blank are not sent; a half-filled row is, for the API to say what it lacks.
    if (isObjectList(prop) && Array.isArray(v)) v = v.filter((row) => row && Object.values(row as Values).some((x) => !isEmpty(x))).map((row) => toBody(prop.items!, row as Values));
    if (isEmpty(v)) continue;
    body[name] = dayjs.isDayjs(v) ? v.format('YYYY-MM-DD') : typeof v === 'string' && typeOf(prop) === 'string' ? v.trim() : v;
  }
  return body;
}

/** A saved draft (plain JSON) back to form values. */
function fromDraft(schema: JsonSchema, draft: Values): Values {
  const values: Values = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const v = draft[name];
    if (v === undefined) continue;
    values[name] = isDate(prop) && typeof v === 'string' ? dayjs(v) : isObjectList(prop) && Array.isArray(v) ? v.map((row) => fromDraft(prop.items!, (row ?? {}) as Values)) : v;
  }
  return values;
}

function toDraft(values: Values): Values {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, dayjs.isDayjs(v) ? v.format('YYYY-MM-DD') : Array.isArray(v) ? v.map((row) => (row && typeof row === 'object' && !dayjs.isDayjs(row) ? toDraft(row as Values) : row)) : v]),
  );
}

export function DecisionForm({ taskId, step, departments, onDecided }: Props) {
  const schema = step.form ?? { type: 'object', properties: { opinion: { type: 'string' } } };
  const [form] = Form.useForm<Values>();
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState(false);
  const required = new Set(schema.required ?? []);

  const initial = useMemo(() => {
    const defaults: Values = {};
    for (const [name, prop] of Object.entries(schema.properties ?? {})) if (prop.default !== undefined) defaults[name] = prop.default;
    const draft = loadDraft(taskId);
    return { ...defaults, ...(draft ? fromDraft(schema, draft) : {}) };
  }, [taskId, schema]);
  const restored = useMemo(() => loadDraft(taskId) !== undefined, [taskId]);

  const submit = async (values: Values) => {
    setRefusal(undefined);
    setSending(true);
    try {
      await api('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, toBody(schema, values));
      clearDraft(taskId);
      onDecided();
    } catch (err) {
      setRefusal(err instanceof ApiError ? err.message : '提交失败，请稍后再试');
    } finally {
      setSending(false);
    }
  };

  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={initial}
      onFinish={(v) => void submit(v)}
      onValuesChange={(_, all) => saveDraft(taskId, toDraft(all))}
      data-testid="decision-form"
    >
      {restored && <Alert type="info" showIcon title="已恢复您上次未提交的内容" style={{ marginBottom: 12 }} />}
      {Object.entries(schema.properties ?? {}).map(([name, prop]) => (
        <Field key={name} name={name} prop={prop} required={required.has(name)} step={step} departments={departments} />
      ))}
      <Form.Item style={{ marginBottom: 0 }}>
        <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'flex-start' }}>
          <Button type="primary" htmlType="submit" loading={sending} data-testid="submit-decision">
            提交{step.name}意见
          </Button>
          {refusal && <Alert type="error" showIcon title={refusal} data-testid="refusal" style={{ flex: '1 1 240px' }} />}
        </div>
      </Form.Item>
    </Form>
  );
}

function Field({ name, prop, required, step, departments }: { name: string; prop: JsonSchema; required: boolean; step: RouteStep; departments: Department[] }) {
  const person = step.namesPerson?.field === name ? step.namesPerson : undefined;
  const label = prop.title ?? person?.label ?? FIELD_LABELS[name] ?? prop.description ?? name;
  const rules = required ? [{ required: true, message: `请填写${label}` }] : [];
  const type = typeOf(prop);
  const common = { name, label, rules, extra: prop.title && prop.description ? prop.description : undefined };

  if (type === 'boolean') {
    return (
      <Form.Item {...common} valuePropName="checked">
        <Switch checkedChildren="是" unCheckedChildren="否" />
      </Form.Item>
    );
  }
  const enumValues = prop.enum ?? prop.oneOf?.filter((o) => o.const !== undefined).map((o) => o.const);
  if (enumValues && enumValues.length > 0) {
    const labelOf = (v: unknown) => prop.oneOf?.find((o) => o.const === v)?.title ?? enumLabel(name, v);
    const options = enumValues.map((v) => ({ value: v as string, label: labelOf(v) }));
    return (
      <Form.Item {...common}>
        {options.length <= 4 ? <Radio.Group options={options} optionType="button" buttonStyle="solid" /> : <Select options={options} placeholder={`请选择${label}`} />}
      </Form.Item>
    );
  }
  if (isObjectList(prop)) return <ObjectList name={name} label={label} prop={prop} required={required} />;
  if (type === 'integer' || type === 'number') {
    return (
      <Form.Item {...common}>
        <InputNumber style={{ width: '100%' }} min={prop.minimum} max={prop.maximum} precision={type === 'integer' ? 0 : undefined} placeholder={`请填写${label}`} inputMode="numeric" />
      </Form.Item>
    );
  }
  if (name === 'seal') return <SealField common={common} label={label} />;
  if (type === 'array' && prop.items && isDepartmentField(name)) {
    return (
      <Form.Item {...common}>
        <Select mode="multiple" allowClear placeholder={`请选择${label}（可多选）`} options={departments.map((d) => ({ value: d.code, label: d.name }))} />
      </Form.Item>
    );
  }
  if (type === 'string' && isDate(prop)) {
    return (
      <Form.Item {...common}>
        <DatePicker style={{ width: '100%' }} format="YYYY年M月D日" placeholder={`请选择${label}`} inputReadOnly disabledDate={(d: Dayjs) => d.isBefore(dayjs(), 'day')} />
      </Form.Item>
    );
  }
  if (type === 'string' && isDepartmentField(name) && departments.length > 0) {
    return (
      <Form.Item {...common}>
        <Select showSearch optionFilterProp="label" placeholder={`请选择${label}`} options={departments.map((d) => ({ value: d.code, label: d.name }))} data-testid={`field-${name}`} />
      </Form.Item>
    );
  }
  if (name === 'opinion' || name === 'note' || name === 'reason' || (prop.maxLength ?? 0) > 200) {
    return (
      <Form.Item {...common}>
        <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} maxLength={prop.maxLength} showCount={Boolean(prop.maxLength)} placeholder={step.ask ?? `请填写${label}`} />
      </Form.Item>
    );
  }
  return (
    <Form.Item {...common}>
      <Input maxLength={prop.maxLength} placeholder={person ? `${person.label}的用户名（选填）` : `请填写${label}`} />
    </Form.Item>
  );
}

/** Rows of a few fields each (外单位、份号登记), added and removed one by one. */
function ObjectList({ name, label, prop, required }: { name: string; label: string; prop: JsonSchema; required: boolean }) {
  const fields = Object.entries(prop.items?.properties ?? {});
  const needed = new Set(prop.items?.required ?? []);
  return (
    <Form.Item label={label} required={required} data-testid={`list-${name}`}>
      <Form.List name={name}>
        {(rows, { add, remove }) => (
          <>
            {rows.map((row) => (
              <div key={row.key} className="object-row">
                {fields.map(([field, sub]) => {
                  const subLabel = FIELD_LABELS[field] ?? sub.title ?? field;
                  const rules = needed.has(field) ? [{ required: true, message: `请填写${subLabel}` }] : [];
                  const enumValues = sub.enum;
                  return (
                    <Form.Item key={field} name={[row.name, field]} label={subLabel} rules={rules} className="object-cell">
                      {enumValues ? (
                        <Select options={enumValues.map((v) => ({ value: v as string, label: enumLabel(field, v) }))} placeholder={`请选择${subLabel}`} />
                      ) : isDate(sub) ? (
                        <DatePicker style={{ width: '100%' }} format="YYYY年M月D日" inputReadOnly placeholder={`请选择${subLabel}`} />
                      ) : typeOf(sub) === 'integer' || typeOf(sub) === 'number' ? (
                        <InputNumber style={{ width: '100%' }} min={sub.minimum} max={sub.maximum} precision={typeOf(sub) === 'integer' ? 0 : undefined} inputMode="numeric" />
                      ) : (
                        <Input maxLength={sub.maxLength} placeholder={`请填写${subLabel}`} />
                      )}
                    </Form.Item>
                  );
                })}
                <Button onClick={() => remove(row.name)} aria-label={`删除这一${label}`}>
                  删除
                </Button>
              </div>
            ))}
            <Button type="dashed" onClick={() => add({})} block>
              添加{label}
            </Button>
          </>
        )}
      </Form.List>
    </Form.Item>
  );
}

interface SealItem {
  id: string;
  name: string;
  stateName: string;
  state: { status: string };
}

/** 印章: the branch's seals with their standing; a suspended one is shown but cannot be chosen. */
function SealField({ common, label }: { common: Record<string, unknown>; label: string }) {
  const [seals, setSeals] = useState<SealItem[]>();
  useEffect(() => {
    let live = true;
    api<{ items: SealItem[] }>('GET', '/seals')
      .then((r) => live && setSeals(r.items))
      .catch(() => live && setSeals([]));
    return () => {
      live = false;
    };
  }, []);
  if (seals && seals.length === 0) {
    return (
      <Form.Item {...common}>
        <Input placeholder={`请填写${label}编号`} />
      </Form.Item>
    );
  }
  return (
    <Form.Item {...common}>
      <Select
        loading={!seals}
        placeholder={`请选择${label}`}
        options={(seals ?? []).map((s) => ({ value: s.id, label: s.state.status === 'active' ? s.name : `${s.name}（${s.stateName}）`, disabled: s.state.status !== 'active' }))}
        data-testid="field-seal"
      />
    </Form.Item>
  );
}
