/**
 * The CLI's task-service commands (转办, 催办, 委托, 传阅, 已阅, boxes, notifications). main.ts hands
 * these commands over with its helpers, so this file owns its options and its printing.
 */
import { parseArgs } from 'node:util';

export interface CliHelpers {
  call(method: string, path: string, token?: string, body?: unknown): Promise<any>;
  tokenFor(as: string | undefined): Promise<string>;
  resolveTask(id: string, token: string): Promise<string>;
  time(iso?: string): string;
  fail(message: string): never;
}

export const OPERATION_COMMANDS = new Set(['transfer', 'chase', 'delegate', 'circulate', 'read', 'box', 'notifications', 'add-signer', 'remove-signer']);

const BOX_TITLES: Record<string, string> = { todo: '待办', toread: '待阅', read: '已阅', done: '已办', tracking: '在办跟踪' };

export async function runOperation(argv: string[], cli: CliHelpers): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      as: { type: 'string' },
      json: { type: 'boolean', default: false },
      to: { type: 'string' },
      reason: { type: 'string' },
      note: { type: 'string' },
      from: { type: 'string' },
      until: { type: 'string' },
      clear: { type: 'boolean', default: false },
      readers: { type: 'string' },
      rank: { type: 'boolean', default: false },
      opinion: { type: 'string', short: 'o' },
      user: { type: 'string' },
      before: { type: 'boolean', default: false },
    },
  });
  const [command, ...args] = positionals;
  const token = await cli.tokenFor(values.as);
  const out = (data: unknown, pretty: () => void) => (values.json ? console.log(JSON.stringify(data, null, 2)) : pretty());

  switch (command) {
    case 'transfer': {
      if (!args[0] || !values.to || !values.reason) cli.fail('用法：chancery transfer <待办号|next> --to <用户名> --reason "理由"');
      const taskId = await cli.resolveTask(args[0], token);
      const r = await cli.call('POST', `/tasks/${encodeURIComponent(taskId)}/transfer`, token, { to: values.to, reason: values.reason });
      return out(r, () => console.log(`已转办：${r.assignee}（${cli.time(r.transferredAt)}）`));
    }
    case 'add-signer': {
      if (!args[0] || !values.user) cli.fail('用法：chancery add-signer <待办号|next> --user <用户名> [--before] [--reason "理由"]   加签（默认在本人之后签署）');
      const taskId = await cli.resolveTask(args[0], token);
      const r = await cli.call('POST', `/tasks/${encodeURIComponent(taskId)}/signers`, token, { username: values.user, position: values.before ? 'before' : 'after', ...(values.reason ? { reason: values.reason } : {}) });
      return out(r, () => console.log(`已加签：${r.addedName}（${values.before ? '先于本人签署' : '在本人之后签署'}）`));
    }
    case 'remove-signer': {
      if (!args[0] || !values.user) cli.fail('用法：chancery remove-signer <该步骤任一会签待办号> --user <用户名> [--reason "理由"]   减签');
      const r = await cli.call('POST', `/tasks/${encodeURIComponent(args[0])}/signers/remove`, token, { username: values.user, ...(values.reason ? { reason: values.reason } : {}) });
      return out(r, () => console.log(`已减签：${values.user}${r.stepSettled ? `；签署结果：${r.result}` : ''}`));
    }
    case 'chase': {
      if (!args[0]) cli.fail('用法：chancery chase <待办号> [--note "催办说明"]');
      const r = await cli.call('POST', `/tasks/${encodeURIComponent(args[0])}/chase`, token, values.note ? { note: values.note } : {});
      return out(r, () => console.log(`已催办（催办记录第 ${r.chasingSerial} 号，第 ${r.chaseCount} 次），已通知：${r.notified.join('、') || '—'}`));
    }
    case 'delegate': {
      if (values.clear) {
        const r = await cli.call('DELETE', '/me/delegation', token);
        return out(r, () => console.log('已撤销委托。'));
      }
      if (!args[0]) {
        const r = await cli.call('GET', '/me/delegation', token);
        return out(r, () => {
          const d = r.delegation;
          console.log(d ? `我的委托：${d.delegateName}（${d.delegate}）${d.from} 至 ${d.until}${d.inForce ? '（生效中）' : '（未生效）'}` : '我没有设置委托。');
          for (const x of r.actingFor) console.log(`代理：${x.delegatorName}（${x.delegator}）${x.from} 至 ${x.until}${x.inForce ? '（生效中）' : '（未生效）'}`);
        });
      }
      if (!values.from || !values.until) cli.fail('用法：chancery delegate <用户名> --from 2026-12-01 --until 2026-12-10 | chancery delegate --clear | chancery delegate');
      const r = await cli.call('PUT', '/me/delegation', token, { to: args[0], from: values.from, until: values.until });
      return out(r, () => console.log(r.message));
    }
    case 'circulate': {
      if (!args[0] || !values.readers) cli.fail('用法：chancery circulate <文件编号> --readers u1,u2,… [--rank] [--note "说明"]');
      const readers = values.readers.split(/[,，\s]+/).filter(Boolean);
      const r = await cli.call('POST', `/documents/${encodeURIComponent(args[0])}/circulate`, token, { readers, order: values.rank ? 'rank' : 'parallel', ...(values.note ? { note: values.note } : {}) });
      return out(r, () => console.log(`已传阅给 ${r.readers} 人（${r.order === 'rank' ? '按顺序依次传阅' : '同时传阅'}）`));
    }
    case 'read': {
      if (!args[0]) cli.fail('用法：chancery read <文件编号> [-o "阅件意见"]');
      const r = await cli.call('POST', `/documents/${encodeURIComponent(args[0])}/read`, token, values.opinion ? { opinion: values.opinion } : {});
      return out(r, () => console.log(`已阅（${cli.time(r.readAt)}）${r.nextReader ? `，已传给 ${r.nextReader}` : ''}`));
    }
    case 'box': {
      const box = args[0] ?? 'todo';
      const items: any[] = [];
      let cursor: string | undefined;
      do {
        const q = new URLSearchParams({ box, ...(cursor ? { cursor } : {}) });
        const page = await cli.call('GET', `/documents?${q}`, token);
        items.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      return out({ items }, () => {
        console.log(`${BOX_TITLES[box] ?? box}（${items.length} 件）`);
        for (const i of items) {
          if (box === 'todo') console.log(`  ${i.taskId}  ${i.stepName}  ${i.registerNumber}  ${i.title}  期限 ${cli.time(i.dueAt)}${i.overdue ? '【已超期】' : ''}${i.onBehalfOfName ? `（代 ${i.onBehalfOfName}）` : ''}`);
          else if (box === 'done') console.log(`  ${cli.time(i.decidedAt)}  ${i.stepName}  ${i.registerNumber}  ${i.title}  ${i.docId}`);
          else if (box === 'tracking')
            console.log(`  ${i.registerNumber}  ${i.title}  ${i.docId}\n      现在：${i.currentSteps.map((s: any) => `${s.stepName}（${s.holder}，期限 ${cli.time(s.dueAt)}${s.overdue ? '，已超期' : ''}）`).join('；') || '—'}`);
          else console.log(`  ${i.registerNumber}  ${i.title}  ${i.docId}  ${i.circulatedByName} 传阅 ${cli.time(i.circulatedAt)}${i.readAt ? `  已阅 ${cli.time(i.readAt)}` : ''}`);
        }
      });
    }
    case 'notifications': {
      const page = await cli.call('GET', '/me/notifications', token);
      return out(page, () => {
        if (!page.items.length) return console.log('没有通知。');
        for (const n of page.items) console.log(`  ${cli.time(n.at)}  【${n.kind}】${n.title}（${n.registerNumber}${n.stepName ? ` ${n.stepName}` : ''}）  ${n.note}  —— ${n.fromName}`);
      });
    }
  }
}
