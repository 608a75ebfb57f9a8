/**
 * A numeric sketch being built from sorted chunks of values (SummaryBuilder sorts each chunk of a
 * feature's numbers once, then folds it in here in one merge pass).
 */
import type { NumericSketch } from './monitoring-types.js';
import { combineMoments, type Moments, SKETCH_CAP } from './numeric-sketch.js';
import { allocateRuns, compressRuns, flattenRuns, mergeRuns, type SortedRuns } from './sorted-runs.js';

export class SketchAccumulator {
  private points: SortedRuns;
  /** The other half of a double buffer: each merge writes here, then the two swap. */
  private spare: SortedRuns;
  private moments: Moments = { count: 0, sum: 0, m2: 0 };
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private exact = true;

  /** `chunkCapacity`: the most points one call of addRuns brings. */
  constructor(chunkCapacity: number) {
    this.points = allocateRuns(SKETCH_CAP + chunkCapacity);
    this.spare = allocateRuns(SKETCH_CAP + chunkCapacity);
  }

  /**
   * Folds in a chunk: its distinct values in order with their counts, and their moments. A chunk
   * that cannot stay exact is compressed first, in place (so merging costs the cap, not the
   * chunk); its centroids hold ~1/cap of the chunk each, far finer than the sketch's.
   */
  addRuns(chunk: SortedRuns, chunkMoments: Moments): void {
    if (chunk.length === 0) return;
    this.min = Math.min(this.min, chunk.values[0]!);
    this.max = Math.max(this.max, chunk.values[chunk.length - 1]!);
    this.moments = combineMoments(this.moments, chunkMoments);
    if (chunk.length > SKETCH_CAP) this.exact = false;
    if (!this.exact) compressRuns(chunk, SKETCH_CAP);
    mergeRuns(this.points, chunk, this.spare);
    [this.points, this.spare] = [this.spare, this.points];
    if (this.points.length > SKETCH_CAP) this.exact = false;
    compressRuns(this.points, SKETCH_CAP);
  }

  /** The sketch so far, as plain JSON-safe data; null before any number. */
  sketch(): NumericSketch | null {
    if (this.moments.count === 0) return null;
    return { ...this.moments, min: this.min, max: this.max, centroids: flattenRuns(this.points), exact: this.exact };
  }
}
