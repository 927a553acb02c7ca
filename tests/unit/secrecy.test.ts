import { describe, expect, it } from 'vitest';
import { actorFromClaims, mayTake, type DirectoryPerson } from '../../functions/domain/identity.js';
import { parseSecrecy, redactFor, REDACTED_TITLE } from '../../functions/domain/secrecy.js';
import { STEPS } from '../../functions/routes/superior-key.js';

describe('parseSecrecy', () => {
  it('reads the Chinese levels, and treats absent or blank as 非密', () => {
    for (const level of ['非密', '秘密', '机密', '绝密'] as const) expect(parseSecrecy(level)).toEqual({ ok: true, secrecy: level });
    expect(parseSecrecy(' 绝密 ')).toEqual({ ok: true, secrecy: '绝密' });
    expect(parseSecrecy(undefined)).toEqual({ ok: true, secrecy: '非密' });
    expect(parseSecrecy('  ')).toEqual({ ok: true, secrecy: '非密' });
  });

  it('reads the official English names in any case, spacing or hyphenation (top secret 绝密, secret 机密, confidential 秘密)', () => {
    for (const v of ['top secret', 'TOP-SECRET', 'topsecret', 'Top_Secret', 'TopSecret', ' top  secret ', 'top.secret']) {
      expect(parseSecrecy(v), v).toEqual({ ok: true, secrecy: '绝密' });
    }
    for (const v of ['secret', 'SECRET', 'Secret']) expect(parseSecrecy(v), v).toEqual({ ok: true, secrecy: '机密' });
    for (const v of ['confidential', 'CONFIDENTIAL']) expect(parseSecrecy(v), v).toEqual({ ok: true, secrecy: '秘密' });
    for (const v of ['none', 'Unclassified', 'UNCLASSIFIED']) expect(parseSecrecy(v), v).toEqual({ ok: true, secrecy: '非密' });
  });

  it('reads pinyin', () => {
    expect(parseSecrecy('JueMi')).toEqual({ ok: true, secrecy: '绝密' });
    expect(parseSecrecy('jimi')).toEqual({ ok: true, secrecy: '机密' });
    expect(parseSecrecy('mi mi')).toEqual({ ok: true, secrecy: '秘密' });
    expect(parseSecrecy('fei-mi')).toEqual({ ok: true, secrecy: '非密' });
  });

  it('refuses anything else with a Chinese reason listing the accepted values', () => {
    for (const v of ['ultra', 'top', 'secrets', '内部', '绝密级', 'top secret!']) {
      const r = parseSecrecy(v);
      expect(r.ok, v).toBe(false);
      if (!r.ok) {
        expect(r.reason).toContain('无法识别');
        expect(r.reason).toContain('非密、秘密、机密、绝密');
        expect(r.reason).toContain('top secret');
      }
    }
  });
});

describe('redactFor', () => {
  const clerk = actorFromClaims({ username: 'wangfang', 'cognito:groups': '[clerk]', 'custom:clearance': '机密' });
  const leader = actorFromClaims({ username: 'zhaomin', 'cognito:groups': '[main-leader]', 'custom:clearance': '绝密' });
  const entry = {
    register: 'incoming',
    year: 2026,
    serial: 7,
    number: '收〔2026〕7号',
    docId: 'd1',
    title: '关于某绝密事项的通知',
    sender: '某机关',
    sourceNumber: '某发〔2026〕1号',
    urgency: '加急',
    secrecy: '绝密',
    receivedAt: '2026-11-22T01:00:00.000Z',
    registeredAt: '2026-11-22T01:00:01.000Z',
    scanKey: 'scans/关于某绝密事项的通知.pdf',
    decision: { opinion: '请办理' },
    somethingNew: 'x',
  };

  it('shows a cleared reader the whole entry', () => {
    expect(redactFor(leader, entry)).toEqual(entry);
    expect(redactFor(clerk, { ...entry, secrecy: '机密' })).toEqual({ ...entry, secrecy: '机密' });
  });

  it('shows an uncleared reader the number, dates and level with 密件 as the title, nothing else', () => {
    const seen = redactFor(clerk, entry);
    expect(seen).toEqual({
      register: 'incoming',
      year: 2026,
      serial: 7,
      number: '收〔2026〕7号',
      docId: 'd1',
      urgency: '加急',
      secrecy: '绝密',
      receivedAt: '2026-11-22T01:00:00.000Z',
      registeredAt: '2026-11-22T01:00:01.000Z',
      title: REDACTED_TITLE,
      redacted: true,
    });
    const text = JSON.stringify(seen);
    for (const hidden of ['某绝密事项', '某机关', '某发', 'scans/', '请办理']) expect(text).not.toContain(hidden);
  });

  it('treats an entry without a valid level as 绝密', () => {
    const { secrecy: _s, ...noLevel } = entry;
    expect(redactFor(clerk, noLevel)).toMatchObject({ title: REDACTED_TITLE, redacted: true });
    expect(redactFor(clerk, { ...entry, secrecy: 'topsecret' })).toMatchObject({ title: REDACTED_TITLE });
    expect(redactFor(leader, noLevel)).toEqual(noLevel);
  });
});

describe('classified documents in the route', () => {
  it('the file step goes to the confidential clerk for a classified document, the clerk otherwise', () => {
    expect(STEPS.file.assign({}, { secrecy: '非密' })).toEqual({ role: 'clerk' });
    for (const secrecy of ['秘密', '机密', '绝密'] as const) expect(STEPS.file.assign({}, { secrecy })).toEqual({ role: 'confidential-clerk' });
  });

  it('mayTake: enabled, holds the role (in the department, or by name), cleared for the level', () => {
    const p = (over: Partial<DirectoryPerson>): DirectoryPerson => ({ username: 'a', roles: ['office-director'], department: 'BGS', clearance: '机密', enabled: true, ...over });
    expect(mayTake(p({}), { role: 'office-director' }, '机密')).toBe(true);
    expect(mayTake(p({}), { role: 'office-director' }, '绝密')).toBe(false);
    expect(mayTake(p({ enabled: false }), { role: 'office-director' }, '非密')).toBe(false);
    expect(mayTake(p({}), { role: 'main-leader' }, '非密')).toBe(false);
    expect(mayTake(p({ roles: ['dept-head'], department: 'SCJSK' }), { role: 'dept-head', department: 'CWK' }, '非密')).toBe(false);
    expect(mayTake(p({ roles: ['dept-head'], department: 'SCJSK' }), { role: 'dept-head', department: 'SCJSK' }, '秘密')).toBe(true);
    expect(mayTake(p({ roles: ['deputy-leader'] }), { role: 'deputy-leader', username: 'b' }, '非密')).toBe(false);
  });
});
