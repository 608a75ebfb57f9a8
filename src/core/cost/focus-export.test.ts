import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { findSku } from '../compute/sku-catalogue.js';
import { focusColumns, focusCsv, focusDate, focusRows, toCsv } from './focus-export.js';
import { defaultPriceList, parsePriceList } from './price-list.js';
import type { UsageInterval } from './usage-interval.js';

const hour = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const sku = findSku('Standard_NC24ads_A100_v4')!;
const period = { from: at('2026-01-01T00:00:00Z'), to: at('2026-02-01T00:00:00Z'), now: at('2026-03-01T00:00:00Z') };
const party = { billingAccountId: 'https://trellis.example.com', billingAccountName: 'Example ML platform' };

const trial: UsageInterval = {
  kind: 'job-node',
  workspace: 'dev',
  compute: 'gpu',
  size: 'Standard_NC24ads_A100_v4',
  tier: 'dedicated',
  count: 2,
  // 22:00 to 02:00: two hours on each of two days.
  start: at('2026-01-14T22:00:00Z'),
  end: at('2026-01-15T02:00:00Z'),
  job: { name: 'trial-1', ancestors: ['sweep-1'] },
  tags: { cost_center: 'R&D, "vision"' },
};

describe('FOCUS export', () => {
  it('writes one row per resource per day, in the FOCUS columns and formats', () => {
    const rows = focusRows([trial], period, defaultPriceList, party);
    assert.equal(rows.length, 2);
    const [first, second] = rows;
    assert.deepEqual(Object.keys(first!).sort(), [...focusColumns].sort());
    assert.equal(first?.ChargePeriodStart, '2026-01-14T00:00:00Z');
    assert.equal(first?.ChargePeriodEnd, '2026-01-15T00:00:00Z');
    assert.equal(second?.ChargePeriodStart, '2026-01-15T00:00:00Z');
    assert.equal(first?.BillingPeriodStart, '2026-01-01T00:00:00Z');
    assert.equal(first?.BillingPeriodEnd, '2026-02-01T00:00:00Z');
    // Two nodes for two hours.
    assert.equal(first?.ConsumedQuantity, 4);
    assert.equal(first?.PricingQuantity, 4);
    assert.ok(Math.abs(Number(first?.BilledCost) - 4 * sku.dedicatedPerHour) < 1e-9);
    assert.equal(first?.EffectiveCost, first?.BilledCost);
    assert.equal(first?.ListCost, first?.BilledCost);
    assert.equal(first?.ListUnitPrice, sku.dedicatedPerHour);
    assert.deepEqual(
      [first?.ChargeCategory, first?.ChargeFrequency, first?.PricingUnit, first?.ConsumedUnit, first?.PricingCategory],
      ['Usage', 'Usage-Based', 'Hours', 'Hours', 'Standard'],
    );
    assert.deepEqual(
      [first?.ServiceName, first?.ServiceCategory, first?.ServiceSubcategory],
      ['Trellis Machine Learning', 'AI and Machine Learning', 'Machine Learning'],
    );
    assert.deepEqual(
      [first?.ResourceId, first?.ResourceName, first?.ResourceType, first?.SkuId, first?.SubAccountId, first?.SubAccountName],
      ['/workspaces/dev/jobs/trial-1', 'trial-1', 'Job', 'Standard_NC24ads_A100_v4', '/workspaces/dev', 'dev'],
    );
    assert.deepEqual([first?.ProviderName, first?.PublisherName, first?.InvoiceIssuerName], ['Trellis', 'Trellis', 'Trellis']);
    assert.deepEqual(JSON.parse(String(first?.Tags)), {
      cost_center: 'R&D, "vision"',
      'trellis/compute': 'gpu',
      'trellis/parent-job': 'sweep-1',
      'trellis/root-job': 'sweep-1',
    });
  });

  it('adds up intervals of the same resource and day, and keeps the contracted price apart from the list price', () => {
    const prices = parsePriceList({ sizes: { Standard_NC24ads_A100_v4: { dedicated_per_hour: 2 } } });
    const later = { ...trial, start: at('2026-01-15T10:00:00Z'), end: at('2026-01-15T11:00:00Z') };
    const rows = focusRows([trial, later], period, prices, party);
    assert.equal(rows.length, 2);
    assert.equal(rows[1]?.ConsumedQuantity, 6);
    assert.equal(rows[1]?.BilledCost, 12);
    assert.equal(rows[1]?.ContractedUnitPrice, 2);
    assert.ok(Math.abs(Number(rows[1]?.ListCost) - 6 * sku.dedicatedPerHour) < 1e-9);
  });

  it('keeps unpriced usage with its hours, at zero cost, saying how to price it', () => {
    const attached: UsageInterval = {
      kind: 'job-node',
      workspace: 'dev',
      compute: 'slurm',
      size: 'node',
      tier: 'attached',
      start: at('2026-01-03T00:00:00Z'),
      end: at('2026-01-03T00:00:00Z') + hour,
      job: { name: 'hpc' },
      tags: {},
    };
    const [row] = focusRows([attached], period, defaultPriceList, party);
    assert.deepEqual([row?.ConsumedQuantity, row?.BilledCost, row?.PricingCategory, row?.ListUnitPrice], [1, 0, 'Other', null]);
    assert.match(String(row?.ChargeDescription), /unpriced: name compute 'slurm' under prices\.computes/);
  });

  it('writes RFC 4180 CSV that a CSV reader reads back', () => {
    const csv = focusCsv(focusRows([trial], period, defaultPriceList, party));
    assert.ok(csv.startsWith(`${focusColumns.join(',')}\r\n`));
    assert.ok(csv.includes('"{""cost_center"":""R&D, \\""vision\\"""",'), csv);
    const records = parse(csv, { columns: true }) as Array<Record<string, string>>;
    assert.equal(records.length, 2);
    assert.equal(JSON.parse(records[0]!.Tags!).cost_center, 'R&D, "vision"');
    assert.equal(records[0]!.ChargeClass, '');
    assert.equal(records[0]!.ConsumedQuantity, '4');
  });

  it('quotes only what needs it and writes numbers without float noise', () => {
    assert.equal(
      toCsv(
        ['a', 'b'],
        [
          ['plain', 'line\nbreak'],
          [0.1 + 0.2, null],
        ],
      ),
      'a,b\r\nplain,"line\nbreak"\r\n0.3,\r\n',
    );
    assert.equal(focusDate(at('2026-01-15T10:20:30.456Z')), '2026-01-15T10:20:30Z');
  });
});
