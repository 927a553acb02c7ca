/**
 * A draft's body typed as blocks: paragraphs and headings at GB/T 9704 levels 1–4, each heading
 * shown with the number it will print (一、 （一） 1. （1）), renumbered as blocks are added,
 * removed, moved or change level — the numbers are never typed.
 */
import { Button, Input, Select, Space, Typography } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { blockNumbers, type BodyBlock } from '../outgoing';

const KINDS = [
  { value: 'paragraph', label: '正文段落' },
  { value: 'h1', label: '一级标题（一、）' },
  { value: 'h2', label: '二级标题（（一））' },
  { value: 'h3', label: '三级标题（1.）' },
  { value: 'h4', label: '四级标题（（1））' },
];
const kindOf = (b: BodyBlock) => (b.kind === 'paragraph' ? 'paragraph' : `h${b.level}`);
const withKind = (b: BodyBlock, kind: string): BodyBlock => (kind === 'paragraph' ? { kind: 'paragraph', text: b.text } : { kind: 'heading', level: Number(kind.slice(1)) as 1 | 2 | 3 | 4, text: b.text });

interface Props {
  blocks: BodyBlock[];
  onChange?: (blocks: BodyBlock[]) => void;
  readOnly?: boolean;
}

export function BodyBlocksEditor({ blocks, onChange, readOnly }: Props) {
  const numbers = blockNumbers(blocks);
  const set = (next: BodyBlock[]) => onChange?.(next);
  const update = (i: number, b: BodyBlock) => set(blocks.map((x, j) => (j === i ? b : x)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...blocks];
    [next[i], next[i + by]] = [next[i + by], next[i]];
    set(next);
  };
  // A new heading takes the level of the last heading above it: the usual next one is its sibling.
  const lastLevel = [...blocks].reverse().find((b): b is Extract<BodyBlock, { kind: 'heading' }> => b.kind === 'heading')?.level ?? 1;

  if (readOnly) {
    return (
      <div className="draft-body" data-testid="body-blocks">
        {blocks.map((b, i) => (
          <p key={i} className={b.kind === 'heading' ? `draft-heading level-${b.level}` : 'draft-paragraph'}>
            {numbers[i] && <span data-testid="block-number">{numbers[i]}</span>}
            {b.text}
          </p>
        ))}
      </div>
    );
  }

  return (
    <div data-testid="body-blocks">
      {blocks.length === 0 && <Typography.Paragraph type="secondary">正文还没有内容：请添加段落或标题。</Typography.Paragraph>}
      {blocks.map((b, i) => (
        <div key={i} className="block-row" data-testid="block">
          <div className="block-tools">
            <Select size="small" value={kindOf(b)} options={KINDS} onChange={(k) => update(i, withKind(b, k))} className="block-kind" aria-label={`第${i + 1}段的类型`} data-testid="block-kind" popupMatchSelectWidth={false} />
            <Space size={4} className="block-buttons">
              <Button size="small" icon={<ArrowUpOutlined />} disabled={i === 0} onClick={() => move(i, -1)} aria-label="上移" title="上移" />
              <Button size="small" icon={<ArrowDownOutlined />} disabled={i === blocks.length - 1} onClick={() => move(i, 1)} aria-label="下移" title="下移" />
              <Button size="small" danger icon={<DeleteOutlined />} onClick={() => set(blocks.filter((_, j) => j !== i))} aria-label="删除" title="删除" />
            </Space>
          </div>
          <div className="block-text">
            {numbers[i] && (
              <span className={`block-number level-${b.kind === 'heading' ? b.level : 0}`} data-testid="block-number">
                {numbers[i]}
              </span>
            )}
            <Input.TextArea
              value={b.text}
              autoSize={{ minRows: b.kind === 'heading' ? 1 : 2, maxRows: 12 }}
              placeholder={b.kind === 'heading' ? '标题文字（序号自动生成）' : '段落文字'}
              onChange={(e) => update(i, { ...b, text: e.target.value })}
              aria-label={b.kind === 'heading' ? `标题${numbers[i]}` : `第${i + 1}段`}
              data-testid="block-text"
              className={b.kind === 'heading' ? `heading-input level-${b.level}` : undefined}
            />
          </div>
        </div>
      ))}
      <Space wrap style={{ marginTop: 8 }}>
        <Button icon={<PlusOutlined />} onClick={() => set([...blocks, { kind: 'paragraph', text: '' }])} data-testid="add-paragraph">
          添加段落
        </Button>
        <Button icon={<PlusOutlined />} onClick={() => set([...blocks, { kind: 'heading', level: lastLevel, text: '' }])} data-testid="add-heading">
          添加标题
        </Button>
      </Space>
    </div>
  );
}
