/**
 * A step's decision form, rendered from its JSON Schema (GET /routes): a string is a TextArea for
 * the opinion and an Input otherwise, an enum a Radio group (a Select when long), a boolean a
 * Switch, a YYYY-MM-DD string a DatePicker; the branch's departments are picked from a list.
 * Only "required" is checked here: everything else is the API's to refuse, and its Chinese
 * message is shown next to the button.
 */
import { useMemo, useState } from 'react';
import { Alert, Button, DatePicker, Form, Input, Radio, Select, Switch } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api, ApiError, type JsonSchema, type RouteStep } from '../api';
import { clearDraft, loadDraft, saveDraft } from '../drafts';
import { enumLabel, FIELD_LABELS } from '../labels';

const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
const isDate = (s: JsonSchema) => s.format === 'date' || s.pattern === DATE_PATTERN;
const typeOf = (s: JsonSchema) => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);
const isDepartmentField = (name: string) => name === 'department' || name === 'coDepartments' || name.endsWith('Department');

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

/** Form values (dayjs for dates) to the JSON the API takes, leaving out what is empty. */
function toBody(schema: JsonSchema, values: Values): Values {
  const body: Values = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const v = values[name];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
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
    values[name] = isDate(prop) && typeof v === 'string' ? dayjs(v) : v;
  }
  return values;
}

function toDraft(values: Values): Values {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, dayjs.isDayjs(v) ? v.format('YYYY-MM-DD') : v]));
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
