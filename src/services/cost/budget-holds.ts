/**
 * What the scheduler asks of budgets: whether a workspace's new jobs must wait because an enforcing
 * budget of it is spent. The budget watcher answers from its last measure, and measures a
 * workspace again at once when one of its budgets changes.
 */
export interface BudgetHolds {
  /** Why new jobs of the workspace wait (the budget named, and how to raise it); undefined: they may run. */
  holdOf(workspace: string): string | undefined;
  /** Measures the workspace's budgets again now (a budget was created, changed or deleted). */
  refresh(workspace: string): Promise<void>;
}
