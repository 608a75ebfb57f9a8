/**
 * Errors are values with a stable `code`, an HTTP status and a message that says how to fix
 * the problem. Every layer throws these; the API turns them into application/problem+json.
 */
export interface Problem {
  /** JSON pointer-ish path of the offending field, e.g. `/spec/min_instances` or `min_instances`. */
  path: string;
  message: string;
  /** 1-based line in the source YAML file, when the input came from one. */
  line?: number;
  column?: number;
}

export class TrellisError extends Error {
  readonly code: string;
  readonly status: number;
  readonly problems: Problem[];
  readonly details: Record<string, unknown>;

  constructor(
    code: string,
    status: number,
    message: string,
    options: { problems?: Problem[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrellisError';
    this.code = code;
    this.status = status;
    this.problems = options.problems ?? [];
    this.details = options.details ?? {};
  }
}

export function isTrellisError(value: unknown): value is TrellisError {
  return value instanceof TrellisError;
}

/** A list of problems found while validating input: 422 with every problem listed. */
export function invalidInput(what: string, problems: Problem[]): TrellisError {
  const lines = problems.map((p) => `  ${p.line ? `line ${p.line}: ` : ''}${p.path || '(root)'}: ${p.message}`);
  return new TrellisError(
    'InvalidInput',
    422,
    `${what} has ${problems.length} problem${problems.length === 1 ? '' : 's'}; fix them and try again:\n${lines.join('\n')}`,
    { problems },
  );
}
