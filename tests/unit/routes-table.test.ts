/**
 * The routes ROUTES.md describes (its Incoming and Internal tables, kept as tests/fixtures/ROUTES.md,
 * a copy of the domain page) exist, with their steps in the order the table gives. Each table step
 * is mapped to the step ids that carry it out; a changed table or a changed route fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowSteps } from '../../functions/domain/route-platform.js';
import { ROUTES } from '../../functions/routes/index.js';

/** Arrows that are not a human step of the route: registration and submission happen before it. */
const BEFORE_THE_ROUTE = new Set(['register', 'submit', 'department submits']);

const STEPS_OF: Record<string, [tableStep: string, stepIds: string[]][]> = {
  'superior-key': [
    ['director proposes (拟办)', ['propose']],
    ['main leader instructs (阅批)', ['instruct']],
    ['deputy handles (阅处)', ['deputyHandle']],
    ['department handles (阅办)', ['departmentHandle']],
    ['office files (立卷归档)', ['file']],
  ],
  'superior-dept': [
    ['director proposes', ['propose']],
    ['deputy instructs (if important, main leader is informed: 阅知)', ['deputyInstruct']],
    ['department handles', ['departmentHandle']],
    ['department files', ['departmentFile']],
  ],
  publicity: [
    ['director proposes', ['propose']],
    ['department handles and files', ['departmentHandle', 'departmentFile']],
  ],
  'request-general': [
    ['deputy instructs (or a topic meeting decides)', ['deputyDecide', 'topicMeeting']],
    ['reply to requester, who executes', ['execute']],
    ['handler files', ['requesterFile']],
  ],
  'request-important': [
    ['director proposes', ['propose']],
    ['deputy instructs', ['deputyInstruct']],
    ['main leader instructs (or executive meeting)', ['leaderDecide', 'executiveMeeting']],
    ['reply', ['execute']],
    ['file', ['file']],
  ],
  'report-general': [
    ['deputy reads (important: main leader too)', ['deputyRead', 'leaderRead']],
    ['business department notes', ['departmentNote']],
    ['file', ['file']],
  ],
  'report-key': [
    ['director proposes', ['propose']],
    ['deputy reads', ['deputyRead']],
    ['main leader reads (same day)', ['leaderRead']],
    ['department handles', ['departmentHandle']],
    ['office files', ['file']],
  ],
};

function tableRoutes(markdown: string, heading: string): Map<string, string[]> {
  const section = markdown.split(/\n### /).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`ROUTES.md has no section ${heading}`);
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !/^[a-z]+(-[a-z]+)*\s/.test(cells[1])) continue;
    rows.set(cells[1].split(/\s/)[0], cells[2].split(' → ').filter((step) => !BEFORE_THE_ROUTE.has(step)));
  }
  return rows;
}

const markdown = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ROUTES.md'), 'utf8');
const table = new Map([...tableRoutes(markdown, 'Incoming'), ...tableRoutes(markdown, 'Internal requests')]);

describe('ROUTES.md incoming and internal routes', () => {
  it('lists exactly the routes mapped here, and each exists', () => {
    expect([...table.keys()].sort()).toEqual(Object.keys(STEPS_OF).sort());
    for (const id of table.keys()) expect(ROUTES[id], id).toBeDefined();
  });

  it.each(Object.keys(STEPS_OF))('%s: its steps, in the table’s order', (id) => {
    expect(table.get(id)).toEqual(STEPS_OF[id].map(([text]) => text));
    expect(flowSteps(ROUTES[id].flow)).toEqual(STEPS_OF[id].flatMap(([, ids]) => ids));
  });
});
