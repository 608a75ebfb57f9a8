/**
 * What the advisor counts as production, for static and live rules alike: a resource tagged
 * `environment`, `env` or `stage` (any case) with the value `prod` or `production` (any case) — on
 * itself, on its online endpoint or, for live rules, on its workspace. A workspace also counts when
 * its name says so: `prod`, `production`, or one that starts or ends with `prod-`/`-prod`
 * (`production-`/`-production`).
 */

const environmentTags = ['environment', 'env', 'stage'];

/** Whether tags mark a resource as production. */
export function isMarkedProduction(tags: Readonly<Record<string, string>>): boolean {
  return Object.entries(tags).some(([key, value]) => environmentTags.includes(key.toLowerCase()) && /^prod(uction)?$/i.test(value.trim()));
}

/** Whether a workspace is production: by its tags, or by its name. */
export function isProductionWorkspace(workspace: { name: string; tags: Readonly<Record<string, string>> }): boolean {
  return isMarkedProduction(workspace.tags) || /^(prod(uction)?)$|^prod(uction)?-|-prod(uction)?$/i.test(workspace.name);
}
