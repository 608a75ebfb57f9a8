/** The kinds of resource Trellis knows, and which of them are immutable, versioned assets. */
export const resourceKinds = ['workspace', 'environment', 'data', 'code', 'model', 'component', 'compute'] as const;
export type ResourceKind = (typeof resourceKinds)[number];

export const assetKinds = ['environment', 'data', 'code', 'model', 'component'] as const;
export type AssetKind = (typeof assetKinds)[number];

export function isResourceKind(value: string): value is ResourceKind {
  return (resourceKinds as readonly string[]).includes(value);
}

export function isAssetKind(kind: string): kind is AssetKind {
  return (assetKinds as readonly string[]).includes(kind);
}

/** URL segment for each kind: /api/v1/workspaces/{ws}/{segment}. */
export const kindSegments: Record<Exclude<ResourceKind, 'workspace'>, string> = {
  environment: 'environments',
  data: 'data',
  code: 'codes',
  model: 'models',
  component: 'components',
  compute: 'computes',
};
