import { describe, expect, it } from 'vitest';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { actorFromClaims, mayRead } from '../../functions/domain/identity.js';
import { decisionDetails, mayDecide, parseDecision } from '../../functions/domain/route-platform.js';
import { titleFromName, urgencyFromName } from '../../functions/domain/scan-names.js';
import { handlingDueDate, STEPS } from '../../functions/routes/superior-key.js';

const config = loadBranchConfig('hq');

describe('claims as API Gateway hands them over', () => {
  it('reads the HTTP API string form of cognito:groups, and real arrays', () => {
    const stringForm = actorFromClaims({ 'cognito:username': 'liqiang', name: '李强', 'cognito:groups': '[office-director clerk]', 'custom:department': 'BGS', 'custom:clearance': '机密' });
    expect(stringForm).toEqual({ username: 'liqiang', name: '李强', roles: ['office-director', 'clerk'], department: 'BGS', clearance: '机密' });
    expect(actorFromClaims({ 'cognito:username': 'a', 'cognito:groups': ['main-leader'] }).roles).toEqual(['main-leader']);
    expect(actorFromClaims({ 'cognito:username': 'a', 'cognito:groups': '["deputy-leader"]' }).roles).toEqual(['deputy-leader']);
  });

  it('ignores unknown groups, defaults clearance to 非密 and refuses a token without a user', () => {
    const actor = actorFromClaims({ sub: 'x-1', 'cognito:groups': '[hackers clerk]', 'custom:clearance': 'ultra' });
    expect(actor.roles).toEqual(['clerk']);
    expect(actor.clearance).toBe('非密');
    expect(() => actorFromClaims({})).toThrow();
  });

  it('orders clearance 非密 < 秘密 < 机密 < 绝密', () => {
    const secret = actorFromClaims({ username: 'a', 'custom:clearance': '秘密' });
    expect(mayRead(secret, '非密')).toBe(true);
    expect(mayRead(secret, '秘密')).toBe(true);
    expect(mayRead(secret, '机密')).toBe(false);
  });
});

describe('who may decide', () => {
  const director = actorFromClaims({ username: 'liqiang', 'cognito:groups': '[office-director]', 'custom:department': 'BGS' });
  const head = (dept: string) => actorFromClaims({ username: `head-${dept}`, 'cognito:groups': '[dept-head]', 'custom:department': dept });

  it('a role step: any holder of the role; a department step: only that department', () => {
    expect(mayDecide(director, STEPS.propose.assign({}))).toBe(true);
    expect(mayDecide(head('SCJSK'), STEPS.propose.assign({}))).toBe(false);
    const handling = STEPS.departmentHandle.assign({ propose: { opinion: 'x', department: 'SCJSK', by: 'liqiang', byName: '李强', at: '' } });
    expect(mayDecide(head('SCJSK'), handling)).toBe(true);
    expect(mayDecide(head('CWK'), handling)).toBe(false);
  });

  it('a step named to a person: that person only', () => {
    const named = STEPS.deputyHandle.assign({ instruct: { opinion: '同意', deputy: 'sunwei', by: 'zhaomin', byName: '赵敏', at: '' } });
    expect(named).toEqual({ role: 'deputy-leader', username: 'sunwei' });
    expect(mayDecide(actorFromClaims({ username: 'sunwei', 'cognito:groups': '[deputy-leader]' }), named)).toBe(true);
    expect(mayDecide(actorFromClaims({ username: 'other', 'cognito:groups': '[deputy-leader]' }), named)).toBe(false);
  });
});

describe('decisions', () => {
  it('拟办 must name a known department; messages are for the clerk', () => {
    expect(parseDecision(STEPS.propose, { opinion: '请办理' }, config)).toEqual({ ok: false, message: expect.stringContaining('承办科室') });
    expect(parseDecision(STEPS.propose, { opinion: '请办理', department: 'NOPE' }, config)).toEqual({ ok: false, message: expect.stringContaining('生产技术科') });
    expect(parseDecision(STEPS.propose, { opinion: '  ', department: 'SCJSK' }, config)).toEqual({ ok: false, message: expect.stringContaining('意见') });
    expect(parseDecision(STEPS.propose, { opinion: '请办理', department: 'SCJSK', dueDate: '12/31' }, config)).toEqual({ ok: false, message: expect.stringContaining('YYYY-MM-DD') });
    expect(parseDecision(STEPS.propose, { opinion: ' 请办理 ', department: 'SCJSK' }, config)).toEqual({ ok: true, decision: { opinion: '请办理', department: 'SCJSK' } });
  });

  it('立卷归档 needs a retention period', () => {
    expect(parseDecision(STEPS.file, {}, config)).toEqual({ ok: false, message: expect.stringContaining('保管期限') });
    expect(parseDecision(STEPS.file, { retention: 'Y' }, config)).toEqual({ ok: true, decision: { opinion: '已立卷归档', retention: 'Y' } });
  });

  it('writes the slip details and takes the handling date from the instruction first', () => {
    expect(decisionDetails(STEPS.propose, { department: 'SCJSK', dueDate: '2026-12-31' }, config)).toEqual([
      { label: '承办科室', value: '生产技术科' },
      { label: '办理期限', value: '2026-12-31' },
    ]);
    expect(decisionDetails(STEPS.file, { retention: 'D30' }, config)).toEqual([{ label: '保管期限', value: '30年' }]);
    const stamp = { by: 'x', byName: 'x', at: '' };
    expect(handlingDueDate({ propose: { opinion: 'a', department: 'SCJSK', dueDate: '2026-12-31', ...stamp }, instruct: { opinion: 'b', dueDate: '2026-12-15', ...stamp } })).toBe('2026-12-15');
    expect(handlingDueDate({ propose: { opinion: 'a', department: 'SCJSK', dueDate: '2026-12-31', ...stamp } })).toBe('2026-12-31');
  });
});

describe('deadlines by urgency', () => {
  it('拟办: 3 working days, 1 when 加急, 10 minutes when 特急', () => {
    expect(STEPS.propose.deadline('平件')).toEqual({ workingDays: 3 });
    expect(STEPS.propose.deadline('加急')).toEqual({ workingDays: 1 });
    expect(STEPS.propose.deadline('特急')).toEqual({ minutes: 10 });
    expect(STEPS.instruct.deadline('平件')).toEqual({ workingDays: 2 });
    expect(STEPS.departmentHandle.deadline('平件')).toEqual({ workingDays: 4 });
  });
});

describe('reading a scan name', () => {
  it('takes urgency and title from the file name', () => {
    expect(urgencyFromName('【特急】关于防汛的通知.pdf')).toBe('特急');
    expect(urgencyFromName('[加急]关于检查的通知.pdf')).toBe('加急');
    expect(urgencyFromName('关于报送总结的通知.pdf')).toBe('平件');
    expect(titleFromName('scans/【加急】 关于开展安全生产大检查的通知.pdf')).toBe('关于开展安全生产大检查的通知');
    expect(titleFromName('.pdf')).toBe('.pdf');
  });
});
