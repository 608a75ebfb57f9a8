/** Whether `error` is a system error with one of these codes (ENOENT: the file is gone; ESRCH: the process is). */
export function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/** Resolves to undefined when the file, or a folder on its path, is missing (ENOENT, ENOTDIR); anything else (EACCES, EIO) is rethrown. */
export async function unlessMissing<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (hasCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}
