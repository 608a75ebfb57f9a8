/**
 * The calls waiting for a free slot of a deployment, first come first served. Each waits at most
 * its own deadline and then fails with the error it was given (the pool's QueueFullError). Timers
 * come in from outside so tests can drive time by hand.
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  timer: unknown;
  isSettled: boolean;
}

export class WaitQueue<T> {
  private waiters: Waiter<T>[] = [];
  private head = 0;
  private live = 0;

  constructor(private readonly timers: Timers = realTimers) {}

  /** Calls waiting now. */
  get length(): number {
    return this.live;
  }

  /** Waits for a value from handOut(), or rejects with expired() after maxWaitMs. */
  wait(maxWaitMs: number, expired: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, timer: undefined, isSettled: false };
      waiter.timer = this.timers.setTimeout(() => {
        if (waiter.isSettled) return;
        waiter.isSettled = true;
        this.live--;
        reject(expired());
      }, maxWaitMs);
      this.waiters.push(waiter);
      this.live++;
    });
  }

  /** Gives `value` to the oldest waiter still waiting; false when nobody waits. */
  handOut(value: T): boolean {
    while (this.head < this.waiters.length) {
      const waiter = this.waiters[this.head]!;
      this.head++;
      if (waiter.isSettled) continue;
      this.settle(waiter);
      this.compact();
      waiter.resolve(value);
      return true;
    }
    this.compact();
    return false;
  }

  /** Fails every waiter now (the deployment stops). */
  rejectAll(error: Error): void {
    const waiting = this.waiters.slice(this.head);
    this.waiters = [];
    this.head = 0;
    for (const waiter of waiting) {
      if (waiter.isSettled) continue;
      this.settle(waiter);
      waiter.reject(error);
    }
  }

  private settle(waiter: Waiter<T>): void {
    waiter.isSettled = true;
    this.live--;
    this.timers.clearTimeout(waiter.timer);
  }

  // Drops the handed-out head of the array once it is most of it, so the array stays small.
  private compact(): void {
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
  }
}
