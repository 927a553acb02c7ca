/**
 * Errors of the Step Functions API, named exactly as AWS names them so the HTTP layer can put the
 * name in `__type` and `@aws-sdk/client-sfn` surfaces `err.name === 'ExecutionAlreadyExists'`.
 */
export type SfnErrorName =
  | 'InvalidToken'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ExecutionDoesNotExist'
  | 'ExecutionAlreadyExists'
  | 'StateMachineDoesNotExist'
  | 'InvalidArn'
  | 'InvalidName'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'ValidationException'
  | 'UnknownOperationException';

export class SfnError extends Error {
  override readonly name: SfnErrorName;
  /** HTTP status the server answers with; every modelled Step Functions error is a 400. */
  readonly statusCode = 400;
  constructor(name: SfnErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

export const sfnError = (name: SfnErrorName, message: string): SfnError => new SfnError(name, message);

/**
 * An error raised inside a run (States.*, a Lambda errorType, a Fail state). `Error`/`Cause` are
 * what Catch hands on as `{Error, Cause}` and what ExecutionFailed reports.
 */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    override readonly cause: string,
    /** A heartbeat timeout: reported as States.Timeout, but States.HeartbeatTimeout also matches it. */
    readonly heartbeat = false,
  ) {
    super(`${error}: ${cause}`);
    this.name = error;
  }
}

export const statesRuntime = (cause: string): StatesError => new StatesError('States.Runtime', cause);
