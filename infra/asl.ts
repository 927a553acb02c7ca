/**
 * Generates each route's state machine (statemachines/<route>.asl.json) from its route module, so
 * the shared Task block (payload, retries, the step backstop) is written once, here, and each
 * file stays a plain ASL graph readable in the Step Functions console. `npm run asl` rewrites the
 * files; tests/stepfunctions/asl-generation.test.ts fails when a committed file is out of date.
 *
 * Each human step is one `lambda:invoke.waitForTaskToken` Task: whatever happens inside a step
 * (several signers, delegation, circulation) lives in the task service and costs no transition.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flowSteps, GOTO_ERROR, GOTO_WITHDRAWN, RETRYABLE_ERROR, type FlowDetour, type FlowNode, type RouteDefinition } from '../functions/domain/route-platform.js';
import { ROUTES } from '../functions/routes/index.js';
import { SERVICE_INTEGRATIONS } from './manifest.js';

/** A Standard execution ends after one year, whatever it is doing. */
export const STANDARD_EXECUTION_LIMIT_SECONDS = 365 * 24 * 3600;
/**
 * A human step waits at most this long for its token; deadlines are chased long before. A route's
 * longest path of human steps times its backstop stays within Standard's one-year limit (six steps
 * × 60 days = 360 days; a ten-step outgoing route gets 36 days a step;
 * tests/stepfunctions/asl-generation.test.ts checks each route), so a stalled route ends in
 * Expired, on the record, rather than being cut off by the service.
 */
export const STEP_BACKSTOP_DAYS = 60;
export const STEP_BACKSTOP_SECONDS = STEP_BACKSTOP_DAYS * 24 * 3600;
/** The days of the year the human steps of one pass share (a few spare for the automatic states). */
const ROUTE_BACKSTOP_DAYS = 360;

/**
 * Service integration ARNs depend on the partition (aws, aws-cn): the definition names them by
 * placeholder, filled by DefinitionSubstitutions in the stack (infra/manifest.ts) and by local mode.
 */
const serviceIntegration = (name: keyof typeof SERVICE_INTEGRATIONS) => `\${${name}}`;

/** The most human steps one pass through a route can take (every detour taken, no 退回). */
export const longestPathSteps = (route: RouteDefinition): number => flowSteps(route.flow).length;
/** This route's step backstop: 60 days, or less where the longest pass has more than six steps. */
export const stepBackstopSeconds = (route: RouteDefinition): number => Math.min(STEP_BACKSTOP_DAYS, Math.floor(ROUTE_BACKSTOP_DAYS / longestPathSteps(route))) * 24 * 3600;

const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
const retryLambdaService = { ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 };
/** Task creation that failed but may work again (create-task says Chancery.Retryable): about 4 minutes of tries. */
const retryTaskCreation = { ErrorEquals: [RETRYABLE_ERROR], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 120 };

const stateName = (stepId: string) => stepId.charAt(0).toUpperCase() + stepId.slice(1);

const pascal = (words: string[]) => words.map(stateName).join('');

/** The Choice state of a detour, named after what it asks: IfDeputyInstructOutcome. */
const choiceName = (d: FlowDetour) => `If${pascal([d.when.step, d.when.field])}`;
const firstStateOf = (node: FlowNode) => (typeof node === 'string' ? (node === 'archive' ? 'Archive' : stateName(node)) : choiceName(node));

export function aslOf(route: RouteDefinition): Record<string, unknown> {
  const states: Record<string, unknown> = {};
  const humanStep = (id: string, next: string) => {
    const step = route.steps.find((s) => s.id === id);
    if (!step) throw new Error(`route ${route.id}: flow names step ${id}, which the route does not define`);
    states[stateName(id)] = {
      Type: 'Task',
      Comment: step.comment,
      Resource: serviceIntegration('LambdaInvokeWaitForTaskToken'),
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
      TimeoutSeconds: stepBackstopSeconds(route),
      Retry: [retryLambdaService, retryTaskCreation],
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'Expired' },
        // 退回 / 直送 / 撤回 / 撤销: the task service answers the token with this error, the target in the cause.
        { ErrorEquals: [GOTO_ERROR], ResultPath: '$.goto', Next: 'Goto' },
      ],
      Next: next,
    };
  };
  route.flow.forEach((node, i) => {
    const next = i + 1 < route.flow.length ? firstStateOf(route.flow[i + 1]) : 'Filed';
    if (node === 'archive') {
      states.Archive = {
        Type: 'Task',
        Comment: 'Writes the archive package under its 档号 in the archive bucket',
        Resource: serviceIntegration('LambdaInvoke'),
        Parameters: {
          FunctionName: '${ArchiveFunctionArn}',
          Payload: { 'executionArn.$': '$$.Execution.Id', route: route.id, 'docId.$': '$.docId', 'decisions.$': '$.decisions' },
        },
        ResultSelector: { 'archiveCode.$': '$.Payload.archiveCode', 'prefix.$': '$.Payload.prefix' },
        ResultPath: '$.archive',
        Retry: [retryLambdaService, { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 3, MaxAttempts: 3, BackoffRate: 2 }],
        Next: next,
      };
    } else if (typeof node === 'string') {
      humanStep(node, next);
    } else {
      const variable = `$.decisions.${node.when.step}.${node.when.field}`;
      const test = typeof node.when.equals === 'boolean' ? { BooleanEquals: node.when.equals } : { StringEquals: node.when.equals };
      const asked = route.steps.find((s) => s.id === node.when.step)!;
      states[choiceName(node)] = {
        Type: 'Choice',
        Comment: `${asked.name}: ${node.when.field} = ${String(node.when.equals)} → ${[...node.then, ...(node.back ? [node.back] : [])].map((id) => route.steps.find((s) => s.id === id)?.name ?? id).join(' → ')}`,
        // IsPresent first: an optional field left out is a detour not taken, not a runtime error.
        Choices: [{ And: [{ Variable: variable, IsPresent: true }, { Variable: variable, ...test }], Next: stateName(node.then[0]) }],
        Default: next,
      };
      const after = node.back ? stateName(node.back) : next;
      node.then.forEach((id, j) => humanStep(id, j + 1 < node.then.length ? stateName(node.then[j + 1]) : after));
    }
  });
  // Leaving a step other than forward costs transitions only when it happens.
  states.Goto = {
    Type: 'Choice',
    Comment: '退回、直送、撤回 go to the step named in the cause; 撤销 ends the route',
    Choices: [
      ...flowSteps(route.flow).map((id) => ({ Variable: '$.goto.Cause', StringEquals: id, Next: stateName(id) })),
      { Variable: '$.goto.Cause', StringEquals: GOTO_WITHDRAWN, Next: 'Withdrawn' },
    ],
    Default: 'Expired',
  };
  states.Withdrawn = {
    Type: 'Succeed',
    Comment: '已撤销 / 退文 / 改道: the document left this route before any step was decided (withdrawn by its requester, returned to its sender, or re-routed at registration)',
  };
  states.Filed = { Type: 'Succeed', Comment: '归档完毕' };
  states.Expired = {
    Type: 'Fail',
    Error: 'Chancery.StepExpired',
    Cause: `A step waited past the ${stepBackstopSeconds(route) / 86400}-day backstop without a decision; see the chasing register (催办记录).`,
  };
  const describe = (node: FlowNode): string => {
    if (node === 'archive') return '归档 archive';
    if (typeof node === 'string') return `${route.steps.find((s) => s.id === node)!.name} ${node}`;
    return `(${node.when.step}.${node.when.field} = ${String(node.when.equals)}: ${node.then.map(describe).join(' → ')}${node.back ? ` → back to ${node.back}` : ''})`;
  };
  const start = route.kind === 'incoming' ? '登记 register' : route.kind === 'outgoing' ? '送审 submit the draft' : '提交 submit';
  return {
    Comment: `${route.name} (${route.id}): ${start} → ${route.flow.map(describe).join(' → ')}. Human steps wait for a task token; deadlines in working days are chased by the deadline sweep, and TimeoutSeconds is only a ${stepBackstopSeconds(route) / 86400}-day backstop.`,
    StartAt: firstStateOf(route.flow[0]),
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
