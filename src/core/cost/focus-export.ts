import { DateTime } from 'luxon';
import { type PriceList, type ResolvedPrice, resolvePrice } from './price-list.js';
import { type CostPeriod, clipInterval, machineSeconds, splitByDay, type UsageInterval } from './usage-interval.js';

/**
 * Usage as a FinOps FOCUS cost and usage dataset (FOCUS 1.1 columns; https://focus.finops.org),
 * for FinOps tools to read beside cloud bills: one row per resource, SKU and tier per UTC day.
 * The installation's price is the contracted price (BilledCost = EffectiveCost = ContractedCost);
 * Azure's list price from the catalogue is ListCost. Unpriced usage (an attached compute nobody
 * priced) keeps its quantities with zero cost and PricingCategory Other, so hours are never lost.
 * Columns prefixed x_ are Trellis's own, as FOCUS asks of custom columns.
 */
export const focusColumns = [
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'ListUnitPrice',
  'PricingCategory',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'RegionId',
  'RegionName',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'ServiceCategory',
  'ServiceName',
  'ServiceSubcategory',
  'SkuId',
  'SkuPriceId',
  'SubAccountId',
  'SubAccountName',
  'Tags',
  'x_UsageKind',
  'x_Tier',
  'x_Compute',
] as const;

export type FocusColumn = (typeof focusColumns)[number];
export type FocusRow = Record<FocusColumn, string | number | null>;

/** Who bills whom: the installation's identity in the export. */
export interface FocusParty {
  /** BillingAccountId: this installation (e.g. its public URL or a cost-centre code). */
  billingAccountId: string;
  billingAccountName?: string | undefined;
  /** ProviderName, PublisherName and (unless set) InvoiceIssuerName; default 'Trellis'. */
  providerName?: string | undefined;
  invoiceIssuerName?: string | undefined;
  /** Where the machines are, when one region holds them all (e.g. eastus / East US). */
  regionId?: string | undefined;
  regionName?: string | undefined;
}

/** The FOCUS rows of the usage inside the period, ordered by day, then resource. */
export function focusRows(intervals: readonly UsageInterval[], period: CostPeriod, priceList: PriceList, party: FocusParty): FocusRow[] {
  const rows = new Map<string, FocusRow>();
  for (const interval of intervals) {
    const span = clipInterval(interval, period);
    if (!span) continue;
    const price = resolvePrice(interval, priceList);
    const resource = resourceOf(interval);
    for (const piece of splitByDay(span)) {
      const hours = machineSeconds(interval, { start: piece.spanStart, end: piece.spanEnd }) / 3600;
      const key = JSON.stringify([piece.day, resource.id, interval.size, interval.tier]);
      const row = rows.get(key) ?? newRow(interval, resource, piece, period, { price, currency: priceList.currency }, party);
      row.ConsumedQuantity = Number(row.ConsumedQuantity) + hours;
      row.PricingQuantity = row.ConsumedQuantity;
      if (price) {
        row.BilledCost = Number(row.BilledCost) + price.perHour * hours;
        row.ListCost = Number(row.ListCost) + price.listPerHour * hours;
        row.EffectiveCost = row.BilledCost;
        row.ContractedCost = row.BilledCost;
        row.ContractedUnitPrice = price.perHour;
        row.ListUnitPrice = price.listPerHour;
      }
      rows.set(key, row);
    }
  }
  return [...rows.values()].sort(
    (a, b) =>
      String(a.ChargePeriodStart).localeCompare(String(b.ChargePeriodStart)) ||
      String(a.ResourceId).localeCompare(String(b.ResourceId)) ||
      String(a.SkuPriceId).localeCompare(String(b.SkuPriceId)),
  );
}

/** The rows as RFC 4180 CSV with a header line of FOCUS column names. */
export function focusCsv(rows: readonly FocusRow[]): string {
  return toCsv(
    focusColumns,
    rows.map((row) => focusColumns.map((column) => row[column])),
  );
}

/** RFC 4180: CRLF line ends; a field with a comma, quote, CR or LF is quoted, its quotes doubled; null is empty. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  const line = (fields: ReadonlyArray<string | number | null>) => fields.map(csvField).join(',');
  return [line(header), ...rows.map(line)].map((text) => `${text}\r\n`).join('');
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? decimal(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Plain decimal notation, at most 10 places: no exponent, no float noise such as 0.30000000000000004. */
function decimal(value: number): string {
  return value.toFixed(10).replace(/\.?0+$/, '');
}

/** FOCUS date/time format: YYYY-MM-DDTHH:mm:ssZ, in UTC. */
export function focusDate(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19)}Z`;
}

interface Resource {
  id: string;
  name: string;
  type: string;
  description: string;
}

function resourceOf(interval: UsageInterval): Resource {
  const workspace = `/workspaces/${interval.workspace}`;
  const machine = `${interval.size} (${interval.tier})`;
  const on = interval.compute === undefined ? '' : ` on compute '${interval.compute}'`;
  if (interval.kind === 'endpoint-instance' && interval.endpoint) {
    const { name, deployment } = interval.endpoint;
    return {
      id: `${workspace}/onlineEndpoints/${name}/deployments/${deployment}`,
      name: `${name}/${deployment}`,
      type: 'Online deployment',
      description: `${machine} instance-hours of deployment '${deployment}' of endpoint '${name}'${on}`,
    };
  }
  if (interval.kind === 'job-node' && interval.job)
    return {
      id: `${workspace}/jobs/${interval.job.name}`,
      name: interval.job.name,
      type: 'Job',
      description: `${machine} node-hours of job '${interval.job.name}'${on}`,
    };
  const compute = interval.compute ?? '(unnamed)';
  return {
    id: `${workspace}/computes/${compute}`,
    name: compute,
    type: 'Compute cluster',
    description: `${machine} idle node-hours of compute '${compute}'`,
  };
}

function newRow(
  interval: UsageInterval,
  resource: Resource,
  piece: { start: number; end: number },
  period: CostPeriod,
  { price, currency }: { price: ResolvedPrice | null; currency: string },
  party: FocusParty,
): FocusRow {
  const month = DateTime.fromMillis(piece.start, { zone: 'UTC' }).startOf('month');
  const provider = party.providerName ?? 'Trellis';
  const unpriced =
    interval.tier === 'attached' && interval.compute !== undefined
      ? `; unpriced: name compute '${interval.compute}' under prices.computes to price it`
      : '; unpriced: no price for this size';
  return {
    BilledCost: 0,
    BillingAccountId: party.billingAccountId,
    BillingAccountName: party.billingAccountName ?? null,
    BillingCurrency: currency,
    BillingPeriodEnd: focusDate(month.plus({ months: 1 }).toMillis()),
    BillingPeriodStart: focusDate(month.toMillis()),
    ChargeCategory: 'Usage',
    ChargeClass: null,
    ChargeDescription: `${resource.description}${price ? '' : unpriced}`,
    ChargeFrequency: 'Usage-Based',
    ChargePeriodEnd: focusDate(Math.min(piece.end, period.to)),
    ChargePeriodStart: focusDate(Math.max(piece.start, period.from)),
    ConsumedQuantity: 0,
    ConsumedUnit: 'Hours',
    ContractedCost: 0,
    ContractedUnitPrice: null,
    EffectiveCost: 0,
    InvoiceIssuerName: party.invoiceIssuerName ?? provider,
    ListCost: 0,
    ListUnitPrice: null,
    // Low-priority capacity is priced like Spot: dynamically.
    PricingCategory: !price ? 'Other' : interval.tier === 'low_priority' ? 'Dynamic' : 'Standard',
    PricingQuantity: 0,
    PricingUnit: 'Hours',
    ProviderName: provider,
    PublisherName: provider,
    RegionId: party.regionId ?? null,
    RegionName: party.regionName ?? null,
    ResourceId: resource.id,
    ResourceName: resource.name,
    ResourceType: resource.type,
    ServiceCategory: 'AI and Machine Learning',
    ServiceName: 'Trellis Machine Learning',
    ServiceSubcategory: 'Machine Learning',
    SkuId: interval.size,
    SkuPriceId: `${interval.size}:${interval.tier}`,
    SubAccountId: `/workspaces/${interval.workspace}`,
    SubAccountName: interval.workspace,
    Tags: tagsJson(interval),
    x_UsageKind: interval.kind,
    x_Tier: interval.tier,
    x_Compute: interval.compute ?? null,
  };
}

/** The user's tags as they are, and Trellis's own under the provider prefix `trellis/`, keys sorted. */
function tagsJson(interval: UsageInterval): string {
  const tags: Record<string, string> = { ...interval.tags };
  if (interval.compute !== undefined) tags['trellis/compute'] = interval.compute;
  const root = interval.job?.ancestors?.at(-1);
  if (root !== undefined) tags['trellis/root-job'] = root;
  if (interval.job?.ancestors?.[0] !== undefined) tags['trellis/parent-job'] = interval.job.ancestors[0];
  return JSON.stringify(Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b))));
}
