import { describe, expect, it } from 'vitest';
import { cleanText } from '../../functions/domain/text.js';

describe('cleanText', () => {
  it('removes a right-to-left override that would disguise an extension', () => {
    const spoof = '发票\u202Efdp.exe';
    expect(cleanText(spoof)).toBe('发票fdp.exe');
    expect(cleanText(spoof)).not.toMatch(/[\u202A-\u202E]/u);
  });

  it('removes every bidi control, zero-width character, BOM and C0/C1 control', () => {
    const nasty = '\uFEFF关于\u200B调整\u200D差旅\u2066费\u2069标准\u200E的\u200F通\u061C知\u0007\u0085\u009B\u202A\u202B\u202C\u202D\u2067\u2068';
    expect(cleanText(nasty)).toBe('关于调整差旅费标准的通知');
  });

  it('collapses whitespace of any kind (including newlines and ideographic spaces) and trims', () => {
    expect(cleanText('  关于\t\t开展\r\n安全生产\u3000\u3000大检查  ')).toBe('关于 开展 安全生产 大检查');
    expect(cleanText('\u200B \u202E ')).toBe('');
  });

  it('truncates to a number of code points, never splitting a character', () => {
    expect(cleanText('关于开展安全生产大检查的通知', 4)).toBe('关于开展');
    expect(cleanText('𠀀𠀁𠀂', 2)).toBe('𠀀𠀁'); // characters outside the BMP count once
    expect(cleanText('ab cd', 3)).toBe('ab');
    expect(cleanText('短', 10)).toBe('短');
  });

  it('replaces lone surrogates instead of passing broken text on', () => {
    expect(cleanText('a\uD800b')).toBe('a\uFFFDb');
  });

  it('refuses a nonsense maximum', () => {
    expect(() => cleanText('x', -1)).toThrow(RangeError);
  });
});
