/** Whether `error` is a system error with one of these codes (ENOENT: the file is gone; ESRCH: the process is). */
export function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && codes.includes(code);
}
