/**
 * Step Functions: starting a route, answering a human task.
 */
import { DescribeExecutionCommand, DescribeStateMachineForExecutionCommand, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from './clients.js';

/** The ARN an execution of `stateMachineArn` named `executionName` has (known before it starts). */
export const executionArnOf = (stateMachineArn: string, executionName: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;

/**
 * Starts the route for a document under a name derived from it, so a repeated start (a duplicate
 * S3 event, a retried Lambda) finds the execution already there and changes nothing.
 */
export async function startRoute(stateMachineArn: string, executionName: string, input: unknown): Promise<{ executionArn: string; alreadyStarted: boolean }> {
  const executionArn = executionArnOf(stateMachineArn, executionName);
  try {
    const res = await sfnClient().send(new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(input) }));
    return { executionArn: res.executionArn ?? executionArn, alreadyStarted: false };
  } catch (err) {
    if ((err as Error).name === 'ExecutionAlreadyExists') return { executionArn, alreadyStarted: true };
    throw err;
  }
}

export type TaskAnswer = 'accepted' | 'no-longer-waiting';

/** Hands a decision to the waiting route. A token AWS no longer waits on answers TaskTimedOut. */
export async function completeTask(taskToken: string, output: unknown): Promise<TaskAnswer> {
  try {
    await sfnClient().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return 'accepted';
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'InvalidToken') return 'no-longer-waiting';
    throw err;
  }
}

/** Answers a task by leaving its step with `error` (caught by the Task state); `cause` says where to. */
export async function failTask(taskToken: string, error: string, cause: string): Promise<TaskAnswer> {
  try {
    await sfnClient().send(new SendTaskFailureCommand({ taskToken, error, cause }));
    return 'accepted';
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'InvalidToken') return 'no-longer-waiting';
    throw err;
  }
}

/** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED …, or undefined when there is no such execution. */
export async function executionStatus(executionArn: string): Promise<string | undefined> {
  try {
    const res = await sfnClient().send(new DescribeExecutionCommand({ executionArn }));
    return res.status;
  } catch (err) {
    if ((err as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw err;
  }
}

/**
 * The definition an execution runs on, parsed: the one it started with, whatever was deployed
 * since. Undefined when there is no such execution.
 */
export async function executionDefinition(executionArn: string): Promise<unknown> {
  try {
    const res = await sfnClient().send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    return res.definition ? (JSON.parse(res.definition) as unknown) : undefined;
  } catch (err) {
    if ((err as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw err;
  }
}
