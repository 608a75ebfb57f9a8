import { closestName } from '../azureml/did-you-mean.js';

/**
 * The Azure VM sizes Trellis knows as an amlcompute `size` (or a Kubernetes instance type): what
 * one node offers and what an hour of it costs. Pure data plus lookups; nothing here calls Azure.
 *
 * Sources, read on 2026-12-01:
 * - Dedicated prices: Azure Retail Prices API (https://prices.azure.com/api/retail/prices,
 *   documented at https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices),
 *   region eastus, Linux, priceType Consumption, USD per hour, as captured on 2026-06-18T03:43:41Z
 *   by the generator of Azure/karpenter-provider-azure (pkg/providers/pricing/zz_generated.pricing.go
 *   at commit 2b431da153a6a92b705c18046512c60b1631b682, Apache-2.0; hack/code/prices_gen drops
 *   Windows products and Spot/Low Priority meters, so these are the plain Linux meters).
 * - Families: Azure Resource SKUs API `family` (the quota family), as listed in the same repo's
 *   pkg/providers/instancetype/known_skus.yaml; Azure's own spelling is kept, spaces included.
 * - vCPUs, memory, GPUs: Microsoft Learn VM size pages
 *   (https://learn.microsoft.com/azure/virtual-machines/sizes/overview), cross-checked with the
 *   Resource SKUs capabilities (vCPUs, MemoryGB, GPUs) in karpenter-provider-azure's pkg/fake SKU
 *   fixtures and microsoft/aspire's AksNodeVmSizes.cs.
 * - Low-priority prices: NOT sourced. Azure prices Spot / low-priority capacity per region and
 *   size and changes it over time ("Pricing for Azure Spot Virtual Machines is variable",
 *   https://learn.microsoft.com/azure/virtual-machines/linux/spot-template); no published figure
 *   was found here. Every low-priority price below is an estimate (see `estimatedLowPriorityShare`)
 *   and says so in `priceSource.lowPriority`.
 */

export type SkuCategory = 'general_purpose' | 'compute_optimized' | 'memory_optimized' | 'gpu';
export type Tier = 'dedicated' | 'low_priority';
/** `retail-prices-api`: the figure was read from Azure's price list; `estimate`: it was not. */
export type PriceSource = 'retail-prices-api' | 'estimate';

export interface Sku {
  /** As Azure writes it, e.g. Standard_NC6s_v3. */
  name: string;
  /** The quota family Azure counts the size's vCPUs against, e.g. standardNCSv3Family. */
  family: string;
  category: SkuCategory;
  vcpus: number;
  memoryGiB: number;
  /** GPU devices the VM sees (a partitioned A10 counts as one). */
  gpus: number;
  gpuModel?: string | undefined;
  /** USD per node-hour in `priceRegion`. */
  dedicatedPerHour: number;
  lowPriorityPerHour: number;
  priceSource: { dedicated: PriceSource; lowPriority: PriceSource };
}

/** Where the prices apply. */
export const priceRegion = {
  armRegionName: 'eastus',
  displayName: 'East US',
  os: 'Linux',
  currency: 'USD',
  pricesAsOf: '2026-06-18',
} as const;

/**
 * Low-priority price as a share of the dedicated price: a placeholder (80% off), not a sourced
 * figure. Replace per size with the Retail Prices API "<size> Low Priority" meters when Trellis
 * can reach it.
 */
export const estimatedLowPriorityShare = 0.2;

interface Gpu {
  count: number;
  model: string;
}

function sku(
  name: string,
  family: string,
  category: SkuCategory,
  vcpus: number,
  memoryGiB: number,
  dedicatedPerHour: number,
  gpu?: Gpu,
): Sku {
  return {
    name,
    family,
    category,
    vcpus,
    memoryGiB,
    gpus: gpu?.count ?? 0,
    gpuModel: gpu?.model,
    dedicatedPerHour,
    // Four decimals: the estimate is no more precise than that.
    lowPriorityPerHour: Math.round(dedicatedPerHour * estimatedLowPriorityShare * 10_000) / 10_000,
    priceSource: { dedicated: 'retail-prices-api', lowPriority: 'estimate' },
  };
}

const v100 = (count: number): Gpu => ({ count, model: 'NVIDIA Tesla V100 16GB' });
const t4 = (count: number): Gpu => ({ count, model: 'NVIDIA Tesla T4 16GB' });
const a100 = (count: number): Gpu => ({ count, model: 'NVIDIA A100 80GB PCIe' });
const h100Nvl = (count: number): Gpu => ({ count, model: 'NVIDIA H100 NVL 94GB' });
const a10 = (share: string): Gpu => ({ count: 1, model: `NVIDIA A10 (${share})` });

/** The sizes Trellis knows, in Azure's spelling. */
export const skuCatalogue: readonly Sku[] = Object.freeze(
  [
    // General purpose
    sku('Standard_DS2_v2', 'standardDSv2Family', 'general_purpose', 2, 7, 0.146),
    sku('Standard_DS3_v2', 'standardDSv2Family', 'general_purpose', 4, 14, 0.293),
    sku('Standard_DS4_v2', 'standardDSv2Family', 'general_purpose', 8, 28, 0.585),
    sku('Standard_DS5_v2', 'standardDSv2Family', 'general_purpose', 16, 56, 1.17),
    sku('Standard_D2s_v3', 'standardDSv3Family', 'general_purpose', 2, 8, 0.096),
    sku('Standard_D4s_v3', 'standardDSv3Family', 'general_purpose', 4, 16, 0.192),
    sku('Standard_D8s_v3', 'standardDSv3Family', 'general_purpose', 8, 32, 0.384),
    sku('Standard_D16s_v3', 'standardDSv3Family', 'general_purpose', 16, 64, 0.768),
    sku('Standard_D4s_v5', 'standardDSv5Family', 'general_purpose', 4, 16, 0.192),
    sku('Standard_D8s_v5', 'standardDSv5Family', 'general_purpose', 8, 32, 0.384),
    sku('Standard_D16s_v5', 'standardDSv5Family', 'general_purpose', 16, 64, 0.768),
    sku('Standard_D4ds_v5', 'standardDDSv5Family', 'general_purpose', 4, 16, 0.226),
    // Compute optimized
    sku('Standard_F4s_v2', 'standardFSv2Family', 'compute_optimized', 4, 8, 0.169),
    sku('Standard_F8s_v2', 'standardFSv2Family', 'compute_optimized', 8, 16, 0.338),
    sku('Standard_F16s_v2', 'standardFSv2Family', 'compute_optimized', 16, 32, 0.677),
    sku('Standard_F32s_v2', 'standardFSv2Family', 'compute_optimized', 32, 64, 1.353),
    // Memory optimized
    sku('Standard_DS12_v2', 'standardDSv2Family', 'memory_optimized', 4, 28, 0.371),
    sku('Standard_E4s_v3', 'standardESv3Family', 'memory_optimized', 4, 32, 0.252),
    sku('Standard_E8s_v3', 'standardESv3Family', 'memory_optimized', 8, 64, 0.504),
    sku('Standard_E16s_v3', 'standardESv3Family', 'memory_optimized', 16, 128, 1.008),
    sku('Standard_E32s_v3', 'standardESv3Family', 'memory_optimized', 32, 256, 2.016),
    sku('Standard_E8s_v5', 'standardESv5Family', 'memory_optimized', 8, 64, 0.504),
    // GPU
    sku('Standard_NC6s_v3', 'standardNCSv3Family', 'gpu', 6, 112, 3.06, v100(1)),
    sku('Standard_NC12s_v3', 'standardNCSv3Family', 'gpu', 12, 224, 6.12, v100(2)),
    sku('Standard_NC24s_v3', 'standardNCSv3Family', 'gpu', 24, 448, 12.24, v100(4)),
    sku('Standard_NC4as_T4_v3', 'Standard NCASv3_T4 Family', 'gpu', 4, 28, 0.526, t4(1)),
    sku('Standard_NC8as_T4_v3', 'Standard NCASv3_T4 Family', 'gpu', 8, 56, 0.752, t4(1)),
    sku('Standard_NC16as_T4_v3', 'Standard NCASv3_T4 Family', 'gpu', 16, 110, 1.204, t4(1)),
    sku('Standard_NC64as_T4_v3', 'Standard NCASv3_T4 Family', 'gpu', 64, 440, 4.352, t4(4)),
    sku('Standard_NC24ads_A100_v4', 'StandardNCADSA100v4Family', 'gpu', 24, 220, 3.673, a100(1)),
    sku('Standard_NC48ads_A100_v4', 'StandardNCADSA100v4Family', 'gpu', 48, 440, 7.346, a100(2)),
    sku('Standard_NC96ads_A100_v4', 'StandardNCADSA100v4Family', 'gpu', 96, 880, 14.692, a100(4)),
    sku('Standard_NC40ads_H100_v5', 'StandardNCadsH100v5Family', 'gpu', 40, 320, 6.98, h100Nvl(1)),
    sku('Standard_NC80adis_H100_v5', 'StandardNCadsH100v5Family', 'gpu', 80, 640, 13.96, h100Nvl(2)),
    sku('Standard_ND40rs_v2', 'standardNDSv2Family', 'gpu', 40, 672, 22.032, { count: 8, model: 'NVIDIA Tesla V100 32GB SXM2' }),
    sku('Standard_ND96asr_v4', 'Standard NDASv4_A100 Family', 'gpu', 96, 900, 27.197, { count: 8, model: 'NVIDIA A100 40GB SXM4' }),
    sku('Standard_ND96isr_H100_v5', 'standardNDSH100v5Family', 'gpu', 96, 1900, 98.32, { count: 8, model: 'NVIDIA H100 80GB SXM5' }),
    // NVads A10 v5 sizes get a slice of one A10 (1/6, 1/3) or a whole one.
    sku('Standard_NV6ads_A10_v5', 'StandardNVADSA10v5Family', 'gpu', 6, 55, 0.454, a10('1/6 partition')),
    sku('Standard_NV12ads_A10_v5', 'StandardNVADSA10v5Family', 'gpu', 12, 110, 0.908, a10('1/3 partition')),
    sku('Standard_NV36ads_A10_v5', 'StandardNVADSA10v5Family', 'gpu', 36, 440, 3.2, a10('whole GPU')),
  ].map((entry) => Object.freeze(entry)),
);

const byLowerName = new Map(skuCatalogue.map((entry) => [entry.name.toLowerCase(), entry]));

/** The catalogue entry for a size, ignoring case as Azure does (STANDARD_DS3_V2 works); undefined if unknown. */
export function findSku(name: string): Sku | undefined {
  return byLowerName.get(name.trim().toLowerCase());
}

/** USD for `nodeSeconds` of one node of `sku` at `tier`; billing is per second, as Azure's. */
export function nodeCost(sku: Sku, tier: Tier, nodeSeconds: number): number {
  if (!Number.isFinite(nodeSeconds) || nodeSeconds < 0)
    throw new RangeError(`nodeSeconds must be a finite number of 0 or more, got ${nodeSeconds}`);
  const perHour = tier === 'low_priority' ? sku.lowPriorityPerHour : sku.dedicatedPerHour;
  return (perHour * nodeSeconds) / 3600;
}

/** The message for a size the catalogue does not know, naming the closest known sizes. */
export function describeUnknownSize(name: string): string {
  const known = skuCatalogue.map((entry) => entry.name);
  const closest = closestName(name, known) ?? closestName(withStandardPrefix(name), known);
  const sameSeries = known.filter((candidate) => candidate !== closest && series(candidate) === series(name)).slice(0, 4);
  const suggestions = [...(closest ? [closest] : []), ...sameSeries];
  const hint =
    suggestions.length > 0
      ? `did you mean ${suggestions.map((candidate) => `'${candidate}'`).join(', ')}?`
      : `known sizes include ${known.slice(0, 4).join(', ')} (${known.length} in all)`;
  return `size '${name}' is not a VM size Trellis knows; ${hint}`;
}

/** `NC6s_v3` is how people often write `Standard_NC6s_v3`. */
function withStandardPrefix(name: string): string {
  return /^standard_/i.test(name) ? name : `Standard_${name}`;
}

/** The series letters of a size, e.g. `nc` for Standard_NC24ads_A100_v4 and `ds` for Standard_DS3_v2. */
function series(name: string): string {
  return /^(?:standard_)?([a-z]+)/i.exec(name)?.[1]?.toLowerCase() ?? '';
}
