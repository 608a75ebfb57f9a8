/** MLflow's ViewType: which lifecycle stages a search or list returns (ACTIVE_ONLY by default). */
export const viewTypes = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
export type ViewType = (typeof viewTypes)[number];

export type LifecycleStage = 'active' | 'deleted';

export function stagesOf(viewType: ViewType): LifecycleStage[] {
  return viewType === 'ALL' ? ['active', 'deleted'] : viewType === 'DELETED_ONLY' ? ['deleted'] : ['active'];
}
