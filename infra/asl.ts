/**
 * Generates each route's state machine (statemachines/<route>.asl.json) from its route module, so
 * the shared Task block (payload, retries, the 90-day backstop) is written once, here, and each
 * file stays a plain ASL graph readable in the Step Functions console. `npm run asl` rewrites the
 * files; tests/stepfunctions/asl-generation.test.ts fails when a committed file is out of date.
 *
 * Each human step is one `lambda:invoke.waitForTaskToken` Task: whatever happens inside a step
 * (several signers, delegation, circulation) lives in the task service and costs no transition.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteDefinition } from '../functions/domain/route-platform.js';
import { ROUTES } from '../functions/routes/index.js';

/** A human step waits at most this long for its token; deadlines are chased long before. */
export const STEP_BACKSTOP_SECONDS = 90 * 24 * 3600;

const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
const retryLambdaService = { ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 };

const stateName = (stepId: string) => stepId.charAt(0).toUpperCase() + stepId.slice(1);

export function aslOf(route: RouteDefinition): Record<string, unknown> {
  const states: Record<string, unknown> = {};
  const names = route.flow.map((id) => (id === 'archive' ? 'Archive' : stateName(id)));
  route.flow.forEach((id, i) => {
    const next = names[i + 1] ?? 'Filed';
    if (id === 'archive') {
      states.Archive = {
        Type: 'Task',
        Comment: 'Writes the archive package under its 档号 in the archive bucket',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: '${ArchiveFunctionArn}',
          Payload: { 'executionArn.$': '$$.Execution.Id', route: route.id, 'docId.$': '$.docId', 'decisions.$': '$.decisions' },
        },
        ResultSelector: { 'archiveCode.$': '$.Payload.archiveCode', 'prefix.$': '$.Payload.prefix' },
        ResultPath: '$.archive',
        Retry: [retryLambdaService, { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 3, MaxAttempts: 3, BackoffRate: 2 }],
        Next: next,
      };
      return;
    }
    const step = route.steps.find((s) => s.id === id);
    if (!step) throw new Error(`route ${route.id}: flow names step ${id}, which the route does not define`);
    states[names[i]] = {
      Type: 'Task',
      Comment: step.comment,
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: '${CreateTaskFunctionArn}',
        Payload: {
          'taskToken.$': '$$.Task.Token',
          'executionArn.$': '$$.Execution.Id',
          route: route.id,
          step: step.id,
          'docId.$': '$.docId',
          'decisions.$': '$.decisions',
        },
      },
      ResultPath: `$.decisions.${step.id}`,
      TimeoutSeconds: STEP_BACKSTOP_SECONDS,
      Retry: [retryLambdaService],
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'Expired' }],
      Next: next,
    };
  });
  states.Filed = { Type: 'Succeed', Comment: '归档完毕' };
  states.Expired = {
    Type: 'Fail',
    Error: 'Chancery.StepExpired',
    Cause: 'A step waited past the 90-day backstop without a decision; see the chasing register (催办记录).',
  };
  const path = route.flow.map((id) => (id === 'archive' ? '归档 archive' : `${route.steps.find((s) => s.id === id)!.name} ${id}`)).join(' → ');
  return {
    Comment: `${route.name} (${route.id}): 登记 register → ${path}. Human steps wait for a task token; deadlines in working days are chased by the deadline sweep, and TimeoutSeconds is only a 90-day backstop.`,
    StartAt: names[0],
    States: states,
  };
}

export const aslFile = (routeId: string) => join(import.meta.dirname, '..', 'statemachines', `${routeId}.asl.json`);
export const aslText = (route: RouteDefinition) => `${JSON.stringify(aslOf(route), null, 2)}\n`;

if (process.argv[1] === import.meta.filename) {
  for (const route of Object.values(ROUTES)) {
    writeFileSync(aslFile(route.id), aslText(route));
    console.log(`wrote ${aslFile(route.id)}`);
  }
}
