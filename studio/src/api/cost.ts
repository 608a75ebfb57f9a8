import type { BudgetBody, CostReportBody, TrellisClient } from '../../../src/client/trellis-client.js';
import { trellis } from './client.js';

/**
 * What the workspace's usage cost at this installation's prices (/api/v1/workspaces/{ws}/cost):
 * grouped totals over a period and, with a granularity, the grouped rows per day, week or month;
 * and its budgets, each with where it stands this month. Types are the client's.
 */

export type CostReport = CostReportBody;
export type CostRow = CostReport['rows'][number];
export type CostSeriesPeriod = NonNullable<CostReport['series']>[number];
export type Budget = BudgetBody;
export type CostQuery = NonNullable<Parameters<TrellisClient['cost']>[1]>;
export type Granularity = NonNullable<CostQuery['granularity']>;

/** The groupings the page offers (tag:<key> is typed in). */
export const costGroupings = ['compute', 'job', 'endpoint', 'size'] as const;

export const getCost = (workspace: string, query: CostQuery): Promise<CostReport> => trellis.cost(workspace, query);

export async function listBudgets(workspace: string): Promise<Budget[]> {
  return (await trellis.listBudgets(workspace)).items;
}

/** The workspace's usage in the period as a FinOps FOCUS CSV, and the file name the server suggests. */
export const exportCost = (workspace: string, period: { from: string; to: string }) => trellis.costExport(workspace, period);
