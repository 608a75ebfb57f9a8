/**
 * Why Azure ML's inference server did not start, read from the last lines of its output: the
 * scoring script's own exception when init() raised or the import failed (azmlinfsrv logs the
 * traceback, then its wrapper exception, then the model folder's files), else azmlinfsrv's or
 * gunicorn's last error. Pure.
 */

// azmlinfsrv's log line: `2024-01-01 10:00:00,123 E [42] azmlinfsrv - message`.
const logPrefix = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ([A-Z]) \[\d+\] [\w.]+ - /;
// The last line of a traceback: `ValueError: ...`, `module.CustomError`, `SystemExit: 3`.
const exceptionLine = /^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)(?::\s.*)?$/;
const serverPackage = 'azureml_inference_server_http.';

/** One sentence: what failed and the exception that says why; undefined when the output says nothing. */
export function startFailure(lines: readonly string[]): string | undefined {
  const text = lines.map((line) => line.trimEnd()).filter(Boolean);
  const exceptions = text.filter((line) => exceptionLine.test(line));
  const scriptException = exceptions.filter((line) => !line.startsWith(serverPackage)).at(-1);
  const serverException = exceptions.filter((line) => line.startsWith(serverPackage)).at(-1);
  const stage = text.some((line) => line.includes("User's init function failed"))
    ? 'init() failed'
    : text.some((line) => line.includes('Failed to import user script'))
      ? 'the scoring script could not be imported'
      : undefined;
  if (scriptException) return stage ? `${stage}: ${scriptException}` : scriptException;
  // azmlinfsrv's own complaint about the script (no run(), both @rawhttp and @input_schema, ...).
  if (serverException) return serverException.slice(serverException.indexOf(':') + 1).trim() || serverException;
  const errors = text.map((line) => logPrefix.exec(line)).filter((match) => match?.[1] === 'E' || match?.[1] === 'C');
  const lastError = errors.at(-1);
  if (lastError) return lastError.input.slice(lastError[0].length);
  return text.at(-1)?.replace(logPrefix, '');
}
