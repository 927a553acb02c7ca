import { describe, expect, it } from 'vitest';
import {
  RETENTION_LABELS,
  RETENTION_YEARS,
  archiveKeyPrefix,
  formatArchiveCode,
  formatDocumentNumber,
  formatRegisterNumber,
  normalizeDocumentNumber,
  parseArchiveCode,
  parseDocumentNumber,
} from '../../functions/domain/numbering.js';

describe('retention codes', () => {
  it('labels and years per DA/T 22-2015', () => {
    expect(RETENTION_LABELS).toEqual({ Y: '永久', D30: '30年', D10: '10年' });
    expect(RETENTION_YEARS).toEqual({ Y: null, D30: 30, D10: 10 });
  });
});

describe('档号 (DA/T 22-2015)', () => {
  const parts = { fondsCode: 'Z001', year: 2026, retention: 'Y' as const, orgCode: 'BGS', itemNumber: 1 };

  it('formats with the middle dot before the year and a 4-digit 件号', () => {
    const code = formatArchiveCode(parts);
    expect(code).toBe('Z001-WS·2026-Y-BGS-0001');
    expect(code.charCodeAt(7)).toBe(0x00b7);
    expect(formatArchiveCode({ ...parts, category: 'KJ', retention: 'D30', orgCode: 'CWK', itemNumber: 123 })).toBe('Z001-KJ·2026-D30-CWK-0123');
    expect(formatArchiveCode({ ...parts, retention: 'D10', itemNumber: 9999 })).toBe('Z001-WS·2026-D10-BGS-9999');
    expect(formatArchiveCode({ ...parts, itemNumber: 12345 })).toBe('Z001-WS·2026-Y-BGS-12345');
  });

  it('validates every part with a RangeError', () => {
    expect(() => formatArchiveCode({ ...parts, fondsCode: 'z001' })).toThrow(/全宗号/);
    expect(() => formatArchiveCode({ ...parts, fondsCode: '' })).toThrow(RangeError);
    expect(() => formatArchiveCode({ ...parts, category: 'W-S' })).toThrow(/门类代码/);
    expect(() => formatArchiveCode({ ...parts, year: 26 })).toThrow(/year/);
    expect(() => formatArchiveCode({ ...parts, retention: 'D5' as never })).toThrow(/保管期限/);
    expect(() => formatArchiveCode({ ...parts, orgCode: 'B-GS' })).toThrow(/机构代码/);
    expect(() => formatArchiveCode({ ...parts, itemNumber: 0 })).toThrow(/件号/);
    expect(() => formatArchiveCode({ ...parts, itemNumber: 1.5 })).toThrow(RangeError);
  });

  it('parses its own output back, filling in the category', () => {
    expect(parseArchiveCode('Z001-WS·2026-Y-BGS-0001')).toEqual({ ...parts, category: 'WS' });
    expect(parseArchiveCode('Z001-KJ·2026-D30-CWK-0123')).toEqual({ fondsCode: 'Z001', category: 'KJ', year: 2026, retention: 'D30', orgCode: 'CWK', itemNumber: 123 });
    for (const code of ['A1-WS·1999-D10-X-0042', 'Z001-WS·2026-Y-BGS-12345']) expect(formatArchiveCode(parseArchiveCode(code))).toBe(code);
  });

  it('rejects malformed codes', () => {
    for (const bad of [
      'Z001-WS.2026-Y-BGS-0001', // full stop instead of middle dot
      'Z001-WS-2026-Y-BGS-0001',
      'Z001-WS·2026-Y-BGS-1', // not padded
      'Z001-WS·2026-Y-BGS-00001', // over-padded
      'Z001-WS·2026-Y-BGS-0000',
      'Z001-WS·2026-D5-BGS-0001',
      'Z001-WS·2026-Y-BGS-0001 ',
      '',
    ]) {
      expect(() => parseArchiveCode(bad), bad).toThrow(RangeError);
    }
  });

  it('builds the archive key prefix from the code', () => {
    expect(archiveKeyPrefix('Z001-WS·2026-Y-BGS-0001')).toBe('Z001/WS·2026/Y/BGS/Z001-WS·2026-Y-BGS-0001/');
    expect(archiveKeyPrefix('Z001-WS·2026-D10-CWK-0100')).toBe('Z001/WS·2026/D10/CWK/Z001-WS·2026-D10-CWK-0100/');
    expect(() => archiveKeyPrefix('../etc/passwd')).toThrow(RangeError);
  });
});

describe('发文字号 (GB/T 9704)', () => {
  it('formats with hexagonal brackets, no leading zeros and no 第', () => {
    const n = formatDocumentNumber({ code: '管司发', year: 2026, serial: 7 });
    expect(n).toBe('管司发〔2026〕7号');
    expect([...n].map((c) => c.codePointAt(0))).toContain(0x3014);
    expect([...n].map((c) => c.codePointAt(0))).toContain(0x3015);
    expect(formatDocumentNumber({ code: '管办发', year: 2026, serial: 120 })).toBe('管办发〔2026〕120号');
  });

  it('validates parts', () => {
    expect(() => formatDocumentNumber({ code: '', year: 2026, serial: 1 })).toThrow(RangeError);
    expect(() => formatDocumentNumber({ code: '管 司发', year: 2026, serial: 1 })).toThrow(RangeError);
    expect(() => formatDocumentNumber({ code: '管司发〔', year: 2026, serial: 1 })).toThrow(RangeError);
    expect(() => formatDocumentNumber({ code: '管司发', year: 2026, serial: 0 })).toThrow(/serial/);
    expect(() => formatDocumentNumber({ code: '管司发', year: 20260, serial: 1 })).toThrow(/year/);
  });

  it('parses strictly', () => {
    expect(parseDocumentNumber('管司发〔2026〕7号')).toEqual({ code: '管司发', year: 2026, serial: 7 });
    expect(parseDocumentNumber('会纪〔2025〕12号')).toEqual({ code: '会纪', year: 2025, serial: 12 });
    for (const bad of ['管司发[2026]7号', '管司发(2026)7号', '管司发（2026）7号', '管司发〔2026〕第7号', '管司发〔2026〕007号', '管司发〔2026〕7', '〔2026〕7号', '管司发〔26〕7号', '管司发〔2026〕0号']) {
      expect(() => parseDocumentNumber(bad), bad).toThrow(RangeError);
    }
  });

  it('normalizes the common mistakes', () => {
    expect(normalizeDocumentNumber('管司发[2026]7号')).toBe('管司发〔2026〕7号');
    expect(normalizeDocumentNumber('管司发(2026)7号')).toBe('管司发〔2026〕7号');
    expect(normalizeDocumentNumber('管司发（2026）7号')).toBe('管司发〔2026〕7号');
    expect(normalizeDocumentNumber('管司发【2026】7号')).toBe('管司发〔2026〕7号');
    expect(normalizeDocumentNumber('管司发〔2026〕第7号')).toBe('管司发〔2026〕7号');
    expect(normalizeDocumentNumber('管司发〔2026〕007号')).toBe('管司发〔2026〕7号');
    expect(normalizeDocumentNumber(' 管司发 ［２０２６］ 第０７号 ')).toBe('管司发〔2026〕7号');
    expect(normalizeDocumentNumber('管司发〔2026〕7')).toBe('管司发〔2026〕7号');
    expect(normalizeDocumentNumber('管司发〔2026〕7号')).toBe('管司发〔2026〕7号');
    expect(() => normalizeDocumentNumber('管司发2026年7号')).toThrow(RangeError);
    expect(() => normalizeDocumentNumber('管司发〔2026〕0号')).toThrow(RangeError);
  });
});

describe('收文编号', () => {
  it('formats like a document number', () => {
    expect(formatRegisterNumber({ register: '收', year: 2026, serial: 12 })).toBe('收〔2026〕12号');
    expect(formatRegisterNumber({ register: '密收', year: 2026, serial: 3 })).toBe('密收〔2026〕3号');
    expect(parseDocumentNumber(formatRegisterNumber({ register: '收', year: 2026, serial: 12 }))).toEqual({ code: '收', year: 2026, serial: 12 });
    expect(() => formatRegisterNumber({ register: '', year: 2026, serial: 1 })).toThrow(RangeError);
    expect(() => formatRegisterNumber({ register: '收', year: 2026, serial: -1 })).toThrow(RangeError);
  });
});
