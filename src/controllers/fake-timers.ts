import type { TimerHandle, Timers } from './timers.js';

interface Scheduled {
  id: number;
  at: number;
  callback: () => void;
}

/** Timers on a clock that only moves when a test says so: `advance(ms)` runs what falls due, in order. */
export class FakeTimers implements Timers {
  private time: number;
  private nextId = 1;
  private readonly scheduled = new Map<number, Scheduled>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.scheduled.set(id, { id, at: this.time + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.scheduled.delete(handle as number);
  }

  /** How many callbacks are waiting. */
  get pending(): number {
    return this.scheduled.size;
  }

  /** Moves the clock on by `ms`, calling each callback that falls due at its own time, and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.scheduled.values()].filter((entry) => entry.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.scheduled.delete(due.id);
      this.time = due.at;
      due.callback();
      await settle();
    }
    this.time = end;
    await settle();
  }
}

/** Lets pending promise callbacks (and what they chain) run. */
export async function settle(): Promise<void> {
  for (let round = 0; round < 20; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}
