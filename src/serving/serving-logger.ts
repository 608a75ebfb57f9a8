/**
 * Where serving reports what goes wrong around an instance and is not the caller's answer (a log
 * file that cannot be written, a signal not sent): the server's pino logger, or a driver's stderr.
 */
export interface ServingLogger {
  /** One problem: `details` for the structured log (`err`: the error), `message` saying what was lost. */
  warn(details: Record<string, unknown>, message: string): void;
}
