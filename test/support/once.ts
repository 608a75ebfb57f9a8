/**
 * Shared, expensive set-up that only some tests need, made on first use: the first caller starts it, every later caller
 * (in any order, or alone under --test-name-pattern) gets the same promise, so a test never depends on another having run.
 * A failure is kept too: each test that needs it fails with the same error.
 */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}
