/**
 * Separate serial series per source (seed 002 范文4): a branch that numbers classified documents
 * and a superior office's documents apart gets each in its own register, numbered on arrival.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    config: {
      ...loadBranchConfig('hq'),
      incomingSeries: [
        { id: 'classified', name: '机要文件登记簿', prefix: '机收', classified: true, senders: [] },
        { id: 'provincial', name: '省分行来文登记簿', prefix: '省收', classified: false, senders: ['省分行'] },
      ],
    },
  });
});
afterAll(async () => h?.close());

const year = new Date().getFullYear();
const register = async (id: string) => (await h.api('zhaomin', 'GET', `/registers/${id}`)).body;

it('numbers each source in its own series, on arrival, gap-free', async () => {
  await h.upload('plain-1.pdf', await makePdf('plain 1'));
  await h.upload('provincial.pdf', await makePdf('provincial'), { sender: encodeURIComponent('省分行办公室') });
  await h.upload('classified.pdf', await makePdf('classified'), { secrecy: encodeURIComponent('秘密'), sender: encodeURIComponent('省分行办公室') });
  await h.local.settle();
  await h.upload('plain-2.pdf', await makePdf('plain 2'));
  await h.local.settle();

  const main = await register('incoming');
  expect(main.items.map((e: any) => e.number)).toEqual([`收〔${year}〕1号`, `收〔${year}〕2号`]);
  const provincial = await register('incoming-provincial');
  expect(provincial).toMatchObject({ name: '省分行来文登记簿', items: [expect.objectContaining({ number: `省收〔${year}〕1号`, scanKey: 'scans/provincial.pdf' })] });
  // Classified first: a classified letter from the same sender is numbered with the classified ones.
  const classified = await register('incoming-classified');
  expect(classified.items.map((e: any) => [e.number, e.scanKey])).toEqual([[`机收〔${year}〕1号`, 'scans/classified.pdf']]);
  // Its document carries its series; the registration desk treats it as incoming.
  const doc = (await h.api('zhaomin', 'GET', `/documents/${classified.items[0].docId}`)).body.document;
  expect(doc).toMatchObject({ register: 'incoming-classified', registerNumber: `机收〔${year}〕1号` });
  // Exported with the incoming register's columns.
  const csv = await fetch(`${h.local.endpoints.api}/registers/incoming-provincial/export?format=csv`, { headers: { authorization: `Bearer ${await h.local.identity.issue((await import('../../infra/local/users.js')).LOCAL_USERS.find((u) => u.username === 'zhaomin')!)}` } });
  expect(csv.status).toBe(200);
  expect((await csv.text()).split('\n').some((line) => line.includes('来文单位') && line.includes('份数'))).toBe(true);
});

it('names the branch’s series when a register does not exist', async () => {
  const res = await h.api('zhaomin', 'GET', '/registers/incoming-nope');
  expect(res.status).toBe(404);
  expect(res.body.message).toContain('incoming-provincial（省分行来文登记簿）');
});
