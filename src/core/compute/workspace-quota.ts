import { z } from 'zod';
import type { QuotaRoom } from './cluster-scheduler.js';
import { findSku } from './sku-catalogue.js';

/**
 * Workspace quotas, the way Azure ML caps a workspace: a number of nodes across all its clusters,
 * and vCPUs per VM family (the family a size counts against, e.g. standardDSv2Family). Quotas are
 * set by whoever runs the server (config.yaml `quotas:`), not by the workspace's users. A job that
 * would go over a quota stays queued with a reason saying which quota; it never fails for it.
 */

export const workspaceQuotaSchema = z
  .object({
    max_nodes: z.number().int().min(0).optional().describe('nodes across every cluster of the workspace'),
    max_vcpus_per_family: z
      .record(z.string().min(1), z.number().int().min(0))
      .optional()
      .describe('vCPUs per VM family, e.g. { standardDSv2Family: 32 }'),
  })
  .strict();
export type WorkspaceQuota = z.infer<typeof workspaceQuotaSchema>;

/** Quotas by workspace name; `'*'` applies to every workspace that has no entry of its own. */
export const quotasSchema = z.record(z.string().min(1), workspaceQuotaSchema);
export type Quotas = z.infer<typeof quotasSchema>;

/**
 * A node not removed, busy or idle (idle nodes are billed too). Nodes of attached computes (tier
 * `attached`: a Slurm cluster's own machines) count against no quota.
 */
export interface CountedNode {
  size: string;
  tier?: string | undefined;
}

function managed(nodes: CountedNode[]): CountedNode[] {
  return nodes.filter((node) => node.tier !== 'attached');
}

export function quotaFor(quotas: Quotas, workspace: string): WorkspaceQuota {
  return quotas[workspace] ?? quotas['*'] ?? {};
}

/** The family a size counts against; sizes Trellis does not know count against a family of their own name. */
export function familyOf(size: string): string {
  return findSku(size)?.family ?? size;
}

function vcpusOf(size: string): number {
  return findSku(size)?.vcpus ?? 4;
}

/** What the workspace may still add, for the scheduler of a cluster whose nodes are in `family`. */
export function quotaRoom(quota: WorkspaceQuota, allNodes: CountedNode[], family: string): QuotaRoom {
  const workspaceNodes = managed(allNodes);
  const familyLimit = quota.max_vcpus_per_family?.[family];
  const familyUsed = workspaceNodes.filter((node) => familyOf(node.size) === family).reduce((sum, node) => sum + vcpusOf(node.size), 0);
  return {
    nodes: quota.max_nodes === undefined ? undefined : Math.max(0, quota.max_nodes - workspaceNodes.length),
    vcpusInFamily: familyLimit === undefined ? undefined : Math.max(0, familyLimit - familyUsed),
  };
}

/** One line of `trellis compute list-usage`, as `az ml compute list-usage` shows it. */
export interface QuotaUsage {
  name: 'nodes' | 'vcpus';
  /** The VM family, for vCPU lines. */
  family: string | null;
  current: number;
  /** null: no quota set. */
  limit: number | null;
}

/** Current use against every quota set, plus the vCPUs of families in use that have none. */
export function quotaUsage(quota: WorkspaceQuota, allNodes: CountedNode[]): QuotaUsage[] {
  const workspaceNodes = managed(allNodes);
  const lines: QuotaUsage[] = [{ name: 'nodes', family: null, current: workspaceNodes.length, limit: quota.max_nodes ?? null }];
  const families = new Set([...Object.keys(quota.max_vcpus_per_family ?? {}), ...workspaceNodes.map((node) => familyOf(node.size))]);
  for (const family of [...families].sort()) {
    const current = workspaceNodes.filter((node) => familyOf(node.size) === family).reduce((sum, node) => sum + vcpusOf(node.size), 0);
    lines.push({ name: 'vcpus', family, current, limit: quota.max_vcpus_per_family?.[family] ?? null });
  }
  return lines;
}
