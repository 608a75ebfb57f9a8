/**
 * The monitoring benchmark's data: 20 features (12 numerical, 8 categorical), a reference and a
 * current CSV of the same length, and a longer current file for the memory check. Seeded, so every
 * run (and both tools) reads the same bytes; written once under .cache/bench-monitoring/.
 *
 * Some features drift in the current data (a shift, a scale change, a category mix change, new
 * categories) and the others do not; each drift is far enough from the thresholds (0.1) that the
 * verdict does not hang on the last digits.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** Bumped whenever the features or the generator change, so a stale cached file is not reused. */
const datasetVersion = 1;

/** A seeded source of uniform numbers in [0, 1): sfc32, fast and good enough for test data. */
export function seededUniform(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let warmUp = 0; warmUp < 15; warmUp++) next();
  return next;
}

/** Draws of the distributions the features use, from one uniform source. */
export class Draws {
  private spare: number | null = null;
  constructor(readonly uniform: () => number) {}

  normal(mean: number, deviation: number): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return mean + deviation * value;
    }
    // Box-Muller; 1 − u keeps the logarithm finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spare = radius * Math.sin(angle);
    return mean + deviation * radius * Math.cos(angle);
  }

  poisson(rate: number): number {
    // Knuth's product of uniforms: fine for the small rates used here.
    const limit = Math.exp(-rate);
    let count = 0;
    let product = this.uniform();
    while (product > limit) {
      count++;
      product *= this.uniform();
    }
    return count;
  }

  /** An index drawn with the given cumulative probabilities (the last one 1). */
  pick(cumulative: readonly number[]): number {
    const u = this.uniform();
    let index = 0;
    while (index < cumulative.length - 1 && u >= cumulative[index]!) index++;
    return index;
  }
}

export interface FeatureSpec {
  name: string;
  type: 'numerical' | 'categorical';
  /** What the current data does to it, in words (the tables print it). */
  change: string;
  /** Whether the current data was made to drift. */
  drifts: boolean;
  /** One value, as CSV text, of the reference (false) or current (true) data. */
  draw(draws: Draws, isCurrent: boolean): string;
}

function cumulativeOf(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let running = 0;
  const cumulative = weights.map((weight) => (running += weight / total));
  cumulative[cumulative.length - 1] = 1;
  return cumulative;
}

const zipf = (count: number, exponent: number) => Array.from({ length: count }, (_, index) => 1 / (index + 1) ** exponent);

/** A categorical feature: category labels k00, k01, … (never numeric, so both tools read them as strings). */
function categorical(name: string, change: string, drifts: boolean, reference: readonly number[], current: readonly number[]): FeatureSpec {
  const labels = Array.from({ length: Math.max(reference.length, current.length) }, (_, index) => `k${String(index).padStart(2, '0')}`);
  const referenceCumulative = cumulativeOf(reference);
  const currentCumulative = cumulativeOf(current);
  return {
    name,
    type: 'categorical',
    change,
    drifts,
    draw: (draws, isCurrent) => labels[draws.pick(isCurrent ? currentCumulative : referenceCumulative)]!,
  };
}

const normal = (name: string, change: string, drifts: boolean, reference: [number, number], current: [number, number]): FeatureSpec => ({
  name,
  type: 'numerical',
  change,
  drifts,
  draw: (draws, isCurrent) => draws.normal(...(isCurrent ? current : reference)).toFixed(3),
});

export const features: readonly FeatureSpec[] = [
  normal('num_normal_stable', 'none: N(50, 10)', false, [50, 10], [50, 10]),
  normal('num_normal_shift', 'shift: N(50, 10) → N(53, 10)', true, [50, 10], [53, 10]),
  normal('num_normal_slight', 'slight shift: N(0, 1) → N(0.04, 1)', false, [0, 1], [0.04, 1]),
  normal('num_normal_scale', 'scale: N(0, 1) → N(0, 1.5)', true, [0, 1], [0, 1.5]),
  {
    name: 'num_lognormal_stable',
    type: 'numerical',
    change: 'none: lognormal(0, 0.75)',
    drifts: false,
    draw: (draws) => Math.exp(draws.normal(0, 0.75)).toFixed(4),
  },
  {
    name: 'num_lognormal_shift',
    type: 'numerical',
    change: 'shift: lognormal(0, 0.75) → lognormal(0.25, 0.75)',
    drifts: true,
    draw: (draws, isCurrent) => Math.exp(draws.normal(isCurrent ? 0.25 : 0, 0.75)).toFixed(4),
  },
  {
    name: 'num_uniform_stable',
    type: 'numerical',
    change: 'none: U(0, 100)',
    drifts: false,
    draw: (draws) => (100 * draws.uniform()).toFixed(2),
  },
  {
    name: 'num_uniform_widen',
    type: 'numerical',
    change: 'scale: U(0, 100) → U(0, 110)',
    drifts: true,
    draw: (draws, isCurrent) => ((isCurrent ? 110 : 100) * draws.uniform()).toFixed(2),
  },
  {
    name: 'num_count_stable',
    type: 'numerical',
    change: 'none: Poisson(3)',
    drifts: false,
    draw: (draws) => String(draws.poisson(3)),
  },
  {
    name: 'num_count_shift',
    type: 'numerical',
    change: 'shift: Poisson(3) → Poisson(3.5)',
    drifts: true,
    draw: (draws, isCurrent) => String(draws.poisson(isCurrent ? 3.5 : 3)),
  },
  (() => {
    const reference = cumulativeOf([0.1, 0.2, 0.3, 0.25, 0.15]);
    const current = cumulativeOf([0.1, 0.19, 0.3, 0.26, 0.15]);
    return {
      name: 'num_rating_slight',
      type: 'numerical',
      change: 'slight mix change: ratings 1–5, 1% moved from 2 to 4',
      drifts: false,
      draw: (draws: Draws, isCurrent: boolean) => String(1 + draws.pick(isCurrent ? current : reference)),
    } satisfies FeatureSpec;
  })(),
  {
    name: 'num_exponential_slight',
    type: 'numerical',
    change: 'slight scale: exponential, mean 20 → 21.5',
    drifts: false,
    draw: (draws, isCurrent) => (-(isCurrent ? 21.5 : 20) * Math.log(1 - draws.uniform())).toFixed(3),
  },
  categorical('cat3_stable', 'none: 3 categories, 50/30/20%', false, [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]),
  categorical('cat3_mix', 'mix: 50/30/20% → 35/30/35%', true, [0.5, 0.3, 0.2], [0.35, 0.3, 0.35]),
  categorical('cat5_stable', 'none: 5 categories, 30/25/20/15/10%', false, [0.3, 0.25, 0.2, 0.15, 0.1], [0.3, 0.25, 0.2, 0.15, 0.1]),
  categorical('cat8_slight', 'slight mix: 8 equal categories, 1.5% moved from the last to the first', false, Array(8).fill(0.125), [
    0.14,
    ...Array(6).fill(0.125),
    0.11,
  ]),
  categorical('cat12_mix', 'mix: Zipf(1.2) over 12 categories, reversed', true, zipf(12, 1.2), zipf(12, 1.2).reverse()),
  categorical('cat20_stable', 'none: Zipf(1) over 20 categories', false, zipf(20, 1), zipf(20, 1)),
  categorical('cat50_stable', 'none: Zipf(0.8) over 50 categories', false, zipf(50, 0.8), zipf(50, 0.8)),
  categorical('cat50_new', 'new categories: 40 equal categories → 10 unseen ones take 10%', true, Array(40).fill(1), [
    ...Array(40).fill(0.9 / 40),
    ...Array(10).fill(0.1 / 10),
  ]),
];

/** Writes `rows` rows of one side to `path` (through a temporary file, so a cut-short write is never reused). */
async function writeCsv(path: string, rows: number, seed: number, isCurrent: boolean): Promise<void> {
  const draws = new Draws(seededUniform(seed));
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve)));
  await write(`${features.map((feature) => feature.name).join(',')}\n`);
  const values = new Array<string>(features.length);
  let chunk = '';
  for (let row = 0; row < rows; row++) {
    for (let index = 0; index < features.length; index++) values[index] = features[index]!.draw(draws, isCurrent);
    chunk += `${values.join(',')}\n`;
    if (chunk.length >= 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  if (chunk) await write(chunk);
  out.end();
  await done;
  await rename(partial, path);
}

export interface DatasetFiles {
  reference: string;
  current: string;
  /** The current data again, `largeRows` rows of it, for the memory check. */
  largeCurrent: string;
}

/** The cached files, written first when missing (a minute or two for 1M + 1M + 10M rows). */
export async function ensureDataset(folder: string, rows: number, largeRows: number, log: (line: string) => void): Promise<DatasetFiles> {
  await mkdir(folder, { recursive: true });
  const name = (side: string, count: number) => join(folder, `v${datasetVersion}-${side}-${count}.csv`);
  const files = { reference: name('reference', rows), current: name('current', rows), largeCurrent: name('current', largeRows) };
  const plan = [
    [files.reference, rows, 1, false],
    [files.current, rows, 2, true],
    [files.largeCurrent, largeRows, 3, true],
  ] as const;
  for (const [path, count, seed, isCurrent] of plan) {
    if (existsSync(path)) continue;
    const started = performance.now();
    log(`  monitoring: writing ${path} (${count.toLocaleString('en')} rows)`);
    await writeCsv(path, count, seed, isCurrent);
    log(`  monitoring: written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return files;
}
