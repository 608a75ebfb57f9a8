/** One caller's work waiting for a shared commit. */
export interface GroupedUnit<R> {
  /** Runs the caller's work, keeping its result for `acknowledge`. */
  run: (repositories: R) => Promise<void>;
  /** Hands the result to the caller: only once the group has committed. */
  acknowledge: () => void;
  reject: (error: unknown) => void;
}

/** The most calls one commit takes: beyond it, waiting for the commit costs a call more than the saved sync. */
export const maxGroupSize = 32;

/**
 * Group commit: calls that arrive while a commit is under way (or in the same turn of the event
 * loop) wait, then run one after another in one transaction, each in a savepoint of its own, and
 * share its commit and its one sync of the log. `runGroup` runs a group; it resolves each unit only
 * after the commit, so a call is acknowledged only once its writes are durable, and rejects a unit
 * whose work failed (its savepoint rolled back, the others unharmed).
 */
export class GroupCommit<R> {
  private pending: GroupedUnit<R>[] = [];
  private isRunning = false;

  constructor(private readonly runGroup: (units: GroupedUnit<R>[]) => Promise<void>) {}

  /** Runs `work` in the next group; resolves with its result once the group has committed. */
  submit<T>(work: (repositories: R) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let result: { value: T } | undefined;
      this.pending.push({
        run: async (repositories) => {
          result = { value: await work(repositories) };
        },
        acknowledge: () => (result ? resolve(result.value) : reject(new Error('a grouped call was acknowledged before it ran'))),
        reject,
      });
      if (!this.isRunning) {
        this.isRunning = true;
        // The calls whose requests were read in this turn of the event loop join the first group.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const units = this.pending.splice(0, maxGroupSize);
      try {
        await this.runGroup(units);
      } catch (error) {
        // The commit failed: nothing of the group is durable, so every call in it fails.
        for (const unit of units) unit.reject(error);
      }
    }
    this.isRunning = false;
  }
}
