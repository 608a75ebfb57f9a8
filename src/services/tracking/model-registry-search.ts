import type { ResourceOf } from '../../core/resources/resource.js';
import { matchesAll, sortByOrders } from '../../core/tracking/in-memory-search.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { promptTag } from '../../core/tracking/model-registry-rules.js';
import {
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
} from '../../core/tracking/model-registry-filter.js';
import type { Comparison } from '../../core/tracking/search-filter.js';
import type { Repositories } from '../../store/store.js';
import type { Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';
import { isRegistryVersion, registeredModelOf, toModelVersion, type ModelVersion, type RegisteredModel } from './model-registry-view.js';
import { decodeOffset, pageOf, type Page } from '../../core/tracking/offset-page.js';

/**
 * registered-models/search and model-versions/search with MLflow's filters, order_by, limits and
 * offset page tokens. Candidates are read per workspace (only the named models when the filter
 * names them) and filtered in memory with the same comparison rules as the other MLflow searches.
 */

export const searchLimits = {
  registeredModelsDefault: 100,
  registeredModelsMax: 1000,
  modelVersionsDefault: 200_000,
  modelVersionsMax: 200_000,
};

export interface SearchInput {
  filter: string | undefined;
  maxResults: number;
  orderBy: string[];
  pageToken: string | undefined;
}

/** The handler's answer to a max_results over the limit (its schema check, in its words). */
function checkMaxResults(maxResults: number, max: number): void {
  if (maxResults < 1)
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid value for max_results. It must be a positive integer, but got ${maxResults}`);
  if (maxResults > max) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${maxResults} for parameter 'max_results' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.`,
    );
  }
}

/**
 * MLflow leaves prompts (models tagged mlflow.prompt.is_prompt = 'true') out of registry searches
 * unless the filter asks for them; when it does not, its comparisons on that tag are dropped.
 */
function promptScope(comparisons: Comparison[]): { comparisons: Comparison[]; excludePrompts: boolean } {
  const first = comparisons.find((comparison) => comparison.type === 'tag' && comparison.key === promptTag);
  const value = String(first?.value ?? '').toLowerCase();
  const queriesPrompts =
    first !== undefined && ((first.comparator === '=' && value === 'true') || (first.comparator === '!=' && value === 'false'));
  if (queriesPrompts) return { comparisons, excludePrompts: false };
  return {
    comparisons: comparisons.filter((comparison) => !(comparison.type === 'tag' && comparison.key === promptTag)),
    excludePrompts: true,
  };
}

/** Only the names an equality or IN on `name` allows, so a search for one model reads one model. */
function namesNamedBy(comparisons: readonly Comparison[]): string[] | undefined {
  let names: string[] | undefined;
  for (const comparison of comparisons) {
    if (comparison.type !== 'attribute' || comparison.key !== 'name') continue;
    const allowed =
      comparison.comparator === '='
        ? [String(comparison.value)]
        : comparison.comparator === 'IN'
          ? (comparison.value as string[]).map(String)
          : undefined;
    if (allowed) names = names === undefined ? allowed : names.filter((name) => allowed.includes(name));
  }
  return names;
}

async function assetsOf(
  repositories: Repositories,
  workspace: string,
  names: readonly string[] | undefined,
): Promise<ResourceOf<'model'>[]> {
  if (names === undefined) return repositories.resources.listAll(workspace, 'model');
  const lists = [];
  for (const name of [...new Set(names)]) lists.push(await repositories.resources.listAll(workspace, 'model', name));
  return lists.flat();
}

/** registered-models/search: ordered by name unless asked otherwise (name always breaks ties). */
export async function searchRegisteredModels(context: Context, workspace: string, input: SearchInput): Promise<Page<RegisteredModel>> {
  checkMaxResults(input.maxResults, searchLimits.registeredModelsMax);
  const { comparisons, excludePrompts } = promptScope(parseRegisteredModelFilter(input.filter));
  const orders = parseRegisteredModelOrderBy(input.orderBy);
  if (!orders.some((order) => order.key === 'name')) orders.push({ type: 'attribute', key: 'name', ascending: true });
  await requireWorkspace(context, workspace);
  const repositories = context.store.repositories;
  const named = namesNamedBy(comparisons);
  const [rows, summaries] = await Promise.all([
    repositories.registry.list(workspace, named),
    named === undefined
      ? repositories.registry.modelAssetSummaries(workspace)
      : Promise.all(named.map((name) => repositories.registry.modelAssetSummaries(workspace, name))).then((lists) => lists.flat()),
  ]);
  const rowByName = new Map(rows.map((row) => [row.name, row]));
  const summaryByName = new Map(summaries.map((summary) => [summary.name, summary]));
  // Filter and order on what the rows and summaries say; read versions for the page only.
  const candidates = [...new Set([...rowByName.keys(), ...summaryByName.keys()])].map((name) =>
    registeredModelOf(name, rowByName.get(name), summaryByName.get(name), []),
  );
  const tagOf = (model: RegisteredModel, key: string) => model.tags.find((tag) => tag.key === key)?.value;
  const found = candidates.filter(
    (model) =>
      !(excludePrompts && tagOf(model, promptTag) === 'true') &&
      matchesAll(comparisons, (comparison) =>
        comparison.type === 'tag' ? tagOf(model, comparison.key) : comparison.key === 'name' ? model.name : undefined,
      ),
  );
  const sorted = sortByOrders(found, orders, (model, { key }) =>
    key === 'name' ? model.name : key === 'creation_timestamp' ? model.creation_timestamp : model.last_updated_timestamp,
  );
  const result = pageOf(sorted, input.maxResults, decodeOffset(input.pageToken));
  const items: RegisteredModel[] = [];
  for (const model of result.items) {
    const assets = await repositories.resources.listAll(workspace, 'model', model.name);
    items.push(registeredModelOf(model.name, rowByName.get(model.name), summaryByName.get(model.name), assets.filter(isRegistryVersion)));
  }
  return { ...result, items };
}

const defaultVersionOrder = ['last_updated_timestamp DESC', 'name ASC', 'version_number DESC'];

function versionField(version: ModelVersion, key: string): string | number | undefined {
  switch (key) {
    case 'name':
      return version.name;
    case 'run_id':
      return version.run_id;
    case 'source_path':
      return version.source;
    case 'version_number':
      return Number(version.version);
    case 'creation_timestamp':
      return version.creation_timestamp;
    case 'last_updated_timestamp':
      return version.last_updated_timestamp;
    default:
      return undefined;
  }
}

/** model-versions/search: newest update first, then name, then highest version, unless asked otherwise. */
export async function searchModelVersions(context: Context, workspace: string, input: SearchInput): Promise<Page<ModelVersion>> {
  checkMaxResults(input.maxResults, searchLimits.modelVersionsMax);
  const { comparisons, excludePrompts } = promptScope(parseModelVersionFilter(input.filter));
  const orders = parseModelVersionOrderBy(input.orderBy.length > 0 ? input.orderBy : defaultVersionOrder);
  if (!orders.some((order) => order.key === 'name')) orders.push({ type: 'attribute', key: 'name', ascending: true });
  if (!orders.some((order) => order.key === 'version_number')) orders.push({ type: 'attribute', key: 'version_number', ascending: false });
  await requireWorkspace(context, workspace);
  const repositories = context.store.repositories;
  const named = namesNamedBy(comparisons);
  const [rows, assets] = await Promise.all([repositories.registry.list(workspace, named), assetsOf(repositories, workspace, named)]);
  const versions = assets.filter(isRegistryVersion);
  const aliasesByName = new Map(rows.map((row) => [row.name, row.aliases]));
  // As MLflow's store does: a name any of whose versions is tagged a prompt is a prompt.
  const promptNames = new Set(versions.filter((resource) => resource.tags[promptTag] === 'true').map((resource) => resource.name));
  const found = versions
    .filter((resource) => !(excludePrompts && promptNames.has(resource.name)))
    .map((resource) => toModelVersion(resource, aliasesByName.get(resource.name) ?? []))
    .filter((version) =>
      matchesAll(comparisons, (comparison) =>
        comparison.type === 'tag' ? version.tags.find((tag) => tag.key === comparison.key)?.value : versionField(version, comparison.key),
      ),
    );
  return pageOf(
    sortByOrders(found, orders, (version, { key }) => versionField(version, key) ?? ''),
    input.maxResults,
    decodeOffset(input.pageToken),
  );
}
