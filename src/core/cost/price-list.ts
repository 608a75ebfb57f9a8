import { z } from 'zod';
import { closedObject } from '../azureml/schema-helpers.js';
import { describeIssue, problemsFromIssues } from '../azureml/zod-problems.js';
import { describeUnknownSize, findSku } from '../compute/sku-catalogue.js';
import { invalidInput } from '../errors.js';
import { checkName } from '../resources/names.js';

/**
 * What an hour of a node costs at this installation (config.yaml `prices:`). By default a size
 * costs Azure's list price from the SKU catalogue (USD, East US); an installation overrides
 * sizes it pays differently for (an Enterprise Agreement, its own hardware), and prices the
 * machines of attached Slurm/Kubernetes computes, which no catalogue knows, by compute name.
 *
 * ```yaml
 * prices:
 *   currency: USD              # ISO 4217; other than USD needs fallback: none
 *   fallback: azure-list       # sizes not listed cost the catalogue's price; none: they are unpriced
 *   sizes:
 *     Standard_NC24ads_A100_v4: { dedicated_per_hour: 2.90, low_priority_per_hour: 0.95 }
 *   computes:
 *     slurm-a100: { per_hour: 4.10 }       # a compute of that name in any workspace
 *     prod/k8s-gpu: { per_hour: 2.50 }     # workspace prod's only; wins over a bare name
 * ```
 */

/** An ISO 4217 currency code; usd reads as USD. */
export const currencyField = z
  .string()
  .transform((code) => code.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 currency code, such as USD or EUR'));

function pricePerHour(what: string) {
  return z.number().refine((value) => value > 0, {
    error: (issue) => `must be more than 0: the ${what} of one hour, in the price list's currency; got ${String(issue.input)}`,
  });
}

const sizePriceSchema = closedObject({
  dedicated_per_hour: pricePerHour('price of a dedicated node').optional(),
  low_priority_per_hour: pricePerHour('price of a low-priority node').optional(),
}).refine((price) => price.dedicated_per_hour !== undefined || price.low_priority_per_hour !== undefined, {
  message: 'give dedicated_per_hour, low_priority_per_hour or both',
});

const computePriceSchema = closedObject({ per_hour: pricePerHour('price of a node') });

export const priceListSchema = closedObject({
  currency: currencyField.default('USD'),
  fallback: z
    .enum(['azure-list', 'none'], {
      error: "must be 'azure-list' (sizes not listed cost Azure's list price) or 'none' (they are unpriced)",
    })
    .default('azure-list'),
  sizes: z.record(z.string(), sizePriceSchema).default({}),
  computes: z.record(z.string(), computePriceSchema).default({}),
})
  .superRefine((list, context) => {
    const seen = new Map<string, string>();
    for (const name of Object.keys(list.sizes)) {
      const sku = findSku(name);
      if (!sku) {
        const message = `${describeUnknownSize(name)}; price other machines by compute name under computes`;
        context.addIssue({ code: 'custom', path: ['sizes', name], message, input: name });
        continue;
      }
      const earlier = seen.get(sku.name);
      if (earlier !== undefined)
        context.addIssue({ code: 'custom', path: ['sizes', name], message: `names the same size as '${earlier}'; keep one`, input: name });
      seen.set(sku.name, name);
    }
    for (const key of Object.keys(list.computes)) {
      const parts = key.split('/');
      if (parts.length > 2 || parts.some((part) => checkName(part) !== undefined))
        context.addIssue({
          code: 'custom',
          path: ['computes', key],
          message: `'${key}' is not a compute: write its name (cpu-cluster), or workspace/name (prod/cpu-cluster) for one workspace's`,
          input: key,
        });
    }
    if (/^[A-Z]{3}$/.test(list.currency) && list.currency !== 'USD' && list.fallback === 'azure-list')
      context.addIssue({
        code: 'custom',
        path: ['fallback'],
        message: `the catalogue's Azure list prices are in USD, not ${list.currency}: set fallback: none and price each size you use under sizes`,
        input: list.fallback,
      });
  })
  .transform((list) => ({
    currency: list.currency,
    fallback: list.fallback,
    // Keyed by the catalogue's spelling, so a lookup by any casing of a size finds it.
    sizes: Object.fromEntries(Object.entries(list.sizes).map(([name, price]) => [findSku(name)?.name ?? name, price])),
    computes: list.computes,
  }));

export type PriceListInput = z.input<typeof priceListSchema>;
export type PriceList = z.output<typeof priceListSchema>;

/** The price list of an installation that configured none: Azure list prices, in USD. */
export const defaultPriceList: PriceList = Object.freeze({ currency: 'USD', fallback: 'azure-list', sizes: {}, computes: {} });

/** A price list from configuration; a 422 naming every field to fix when it is not one. */
export function parsePriceList(input: unknown, where = 'prices (config.yaml)'): PriceList {
  const result = priceListSchema.safeParse(input ?? {}, { error: describeIssue });
  if (!result.success)
    throw invalidInput(
      where,
      problemsFromIssues(result.error.issues, () => ({})),
    );
  return result.data;
}

/** How usage is priced: what an hour costs here, what Azure lists it at, and where the price came from. */
export interface ResolvedPrice {
  perHour: number;
  /** Azure's list price (the catalogue's) when there is one in this currency, else perHour. FOCUS ListUnitPrice. */
  listPerHour: number;
  currency: string;
  source: 'compute' | 'size' | 'azure-list';
}

/** What a priced piece of usage must say: where it ran and on what. `tier` is dedicated, low_priority or attached. */
export interface PricedUsage {
  workspace: string;
  compute?: string | undefined;
  size: string;
  tier: string;
}

/**
 * The price of an hour of one node (or instance) of `usage`: a price named for its compute first
 * (`workspace/compute`, then `compute`), then the installation's price for its size and tier, then
 * the catalogue's Azure list price (unless fallback: none). null: unpriced — an attached compute
 * not named under computes, a size nobody prices.
 */
export function resolvePrice(usage: PricedUsage, priceList: PriceList): ResolvedPrice | null {
  const { currency } = priceList;
  const sku = findSku(usage.size);
  const isManaged = usage.tier === 'dedicated' || usage.tier === 'low_priority';
  const isLowPriority = usage.tier === 'low_priority';
  const listPrice = sku && isManaged && currency === 'USD' ? (isLowPriority ? sku.lowPriorityPerHour : sku.dedicatedPerHour) : undefined;
  const computePrice =
    usage.compute === undefined
      ? undefined
      : (priceList.computes[`${usage.workspace}/${usage.compute}`] ?? priceList.computes[usage.compute]);
  if (computePrice) return { perHour: computePrice.per_hour, listPerHour: listPrice ?? computePrice.per_hour, currency, source: 'compute' };
  if (!sku || !isManaged) return null;
  const sizePrice = priceList.sizes[sku.name];
  const override = isLowPriority ? sizePrice?.low_priority_per_hour : sizePrice?.dedicated_per_hour;
  if (override !== undefined) return { perHour: override, listPerHour: listPrice ?? override, currency, source: 'size' };
  if (priceList.fallback === 'none' || listPrice === undefined) return null;
  return { perHour: listPrice, listPerHour: listPrice, currency, source: 'azure-list' };
}
