/**
 * A metric history cut into equal-width buckets along x (step or timestamp), keeping from each
 * bucket the points a line chart of that width cannot do without: the first and the last along
 * x, the lowest and the highest value (M4, Jugel et al., VLDB 2014), and the first non-finite
 * value (a NaN or ±Infinity is the spike a reader most needs to see). At most five points a
 * bucket, whatever the history's length; the history may arrive in any order, one point at a
 * time, so a database can feed it while it scans (the SQLite store runs it as an aggregate
 * function). Charts then choose their points from these with LTTB. Pure.
 */

export type BucketAxis = 'step' | 'timestamp';

export interface BucketPoint {
  step: number;
  timestamp: number;
  value: number;
}

/** Slots per bucket, three numbers (step, timestamp, value) each. */
const FIRST = 0;
const LAST = 1;
const LOW = 2;
const HIGH = 3;
const ODD = 4;
const SLOTS = 5;

export class MetricBucketReducer {
  /** Points seen. */
  count = 0;
  private readonly slots: Float64Array;
  private readonly filled: Uint8Array;
  private readonly width: number;

  constructor(
    private readonly lo: number,
    hi: number,
    private readonly buckets: number,
    private readonly axis: BucketAxis,
  ) {
    if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a whole number of at least 1, got ${buckets}`);
    if (!(hi >= lo)) throw new RangeError(`the x range is empty or not a range: ${lo} .. ${hi}`);
    this.width = (hi - lo) / buckets || 1;
    this.slots = new Float64Array(buckets * SLOTS * 3);
    this.filled = new Uint8Array(buckets * SLOTS);
  }

  add(step: number, timestamp: number, value: number): void {
    this.count++;
    const x = this.axis === 'step' ? step : timestamp;
    const bucket = Math.max(0, Math.min(this.buckets - 1, Math.floor((x - this.lo) / this.width)));
    const base = bucket * SLOTS;
    if (!Number.isFinite(value)) {
      if (!this.filled[base + ODD] || this.precedes(step, timestamp, this.stepAt(base + ODD), this.timestampAt(base + ODD)))
        this.put(base + ODD, step, timestamp, value);
      return;
    }
    if (!this.filled[base + FIRST] || this.precedes(step, timestamp, this.stepAt(base + FIRST), this.timestampAt(base + FIRST)))
      this.put(base + FIRST, step, timestamp, value);
    if (!this.filled[base + LAST] || this.precedes(this.stepAt(base + LAST), this.timestampAt(base + LAST), step, timestamp))
      this.put(base + LAST, step, timestamp, value);
    if (!this.filled[base + LOW] || value < this.slots[(base + LOW) * 3 + 2]!) this.put(base + LOW, step, timestamp, value);
    if (!this.filled[base + HIGH] || value > this.slots[(base + HIGH) * 3 + 2]!) this.put(base + HIGH, step, timestamp, value);
  }

  /** The kept points, each once, in x order (then step, then timestamp). */
  points(): BucketPoint[] {
    const kept: BucketPoint[] = [];
    for (let bucket = 0; bucket < this.buckets; bucket++) {
      const seen = new Set<string>();
      const inBucket: BucketPoint[] = [];
      for (let slot = 0; slot < SLOTS; slot++) {
        const index = bucket * SLOTS + slot;
        if (!this.filled[index]) continue;
        const [step, timestamp, value] = [this.slots[index * 3]!, this.slots[index * 3 + 1]!, this.slots[index * 3 + 2]!];
        const key = `${step}/${timestamp}/${value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        inBucket.push({ step, timestamp, value });
      }
      const x = (point: BucketPoint) => (this.axis === 'step' ? point.step : point.timestamp);
      inBucket.sort((a, b) => x(a) - x(b) || a.step - b.step || a.timestamp - b.timestamp);
      kept.push(...inBucket);
    }
    return kept;
  }

  private stepAt(index: number): number {
    return this.slots[index * 3]!;
  }

  private timestampAt(index: number): number {
    return this.slots[index * 3 + 1]!;
  }

  /** Whether (step, timestamp) comes before (otherStep, otherTimestamp) along x, then step, then timestamp. */
  private precedes(step: number, timestamp: number, otherStep: number, otherTimestamp: number): boolean {
    const [x, otherX] = this.axis === 'step' ? [step, otherStep] : [timestamp, otherTimestamp];
    return x < otherX || (x === otherX && (step < otherStep || (step === otherStep && timestamp < otherTimestamp)));
  }

  private put(index: number, step: number, timestamp: number, value: number): void {
    this.slots[index * 3] = step;
    this.slots[index * 3 + 1] = timestamp;
    this.slots[index * 3 + 2] = value;
    this.filled[index] = 1;
  }
}
