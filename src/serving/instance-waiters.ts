/**
 * Those waiting on a scoring instance: for it to become ready (each caller with its own timeout),
 * and for its calls in flight to end (a stop's grace). Both instance kinds (worker processes and
 * azmlinfsrv) keep their waiters here.
 */
export class InstanceWaiters {
  private ready: Array<{ resolve(): void; reject(error: Error): void }> = [];
  private idle: Array<() => void> = [];

  /** Resolves at `markReady`, rejects at `fail`, or with `onTimeout()` after timeoutMs. */
  untilReady(timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ready = this.ready.filter((waiter) => waiter !== entry);
        reject(onTimeout());
      }, timeoutMs);
      const entry = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.ready.push(entry);
    });
  }

  /** Resolves when `markIdle` (or `fail`) is next called. */
  untilIdle(): Promise<void> {
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  markReady(): void {
    const waiters = this.ready;
    this.ready = [];
    for (const waiter of waiters) waiter.resolve();
  }

  /** Called when the last call in flight ends. */
  markIdle(): void {
    const waiters = this.idle;
    this.idle = [];
    for (const waiter of waiters) waiter();
  }

  /** The instance is gone: readiness waiters get `error`, idle waiters are released. */
  fail(error: Error): void {
    const waiters = this.ready;
    this.ready = [];
    for (const waiter of waiters) waiter.reject(error);
    this.markIdle();
  }
}
