import { joeKuoDirectionNumbers } from './sobol-direction-numbers.js';

/**
 * Sobol's low-discrepancy sequence in the unit cube (Joe–Kuo direction numbers, Gray-code order
 * as in Antonov–Saleev and scipy): any 2^k consecutive points from a multiple of 2^k fall one
 * in each of the cube's 2^k elementary boxes, so few points already cover the cube evenly.
 */

/** How many coordinates the table of direction numbers covers. */
export const sobolDimensions = joeKuoDirectionNumbers.length + 1;

const bits = 32;

/** The 32 direction numbers of one coordinate, as 32-bit integers (v_k = m_k / 2^k, scaled by 2^32). */
function directionNumbers(dimension: number): Uint32Array {
  const directions = new Uint32Array(bits);
  if (dimension === 0) {
    for (let k = 0; k < bits; k += 1) directions[k] = 2 ** (bits - 1 - k);
    return directions;
  }
  const [degree = 1, inner = 0, ...initial] = joeKuoDirectionNumbers[dimension - 1] ?? [];
  for (let k = 0; k < bits; k += 1) {
    if (k < degree) {
      directions[k] = (initial[k] ?? 1) * 2 ** (bits - 1 - k);
      continue;
    }
    // The recurrence of the primitive polynomial: v_k = v_{k-s} ^ (v_{k-s} >> s) ^ (a_i v_{k-i} for each inner bit a_i set).
    let direction = directions[k - degree]! ^ (directions[k - degree]! >>> degree);
    for (let i = 1; i < degree; i += 1) {
      if ((inner >>> (degree - 1 - i)) & 1) direction ^= directions[k - i]!;
    }
    directions[k] = direction >>> 0;
  }
  return directions;
}

const directionsByDimension = Array.from({ length: sobolDimensions }, (_, dimension) => directionNumbers(dimension));

/**
 * Point `index` (0-based, below 2^32; point 0 is the origin) of the `dimensions`-coordinate Sobol sequence,
 * each coordinate as a 32-bit integer: the coordinate in [0, 1) is the integer / 2^32.
 */
export function sobolPoint(index: number, dimensions: number): Uint32Array {
  if (dimensions > sobolDimensions) throw new RangeError(`Sobol sequences here have at most ${sobolDimensions} dimensions`);
  const point = new Uint32Array(dimensions);
  // The Gray code of the index: consecutive points differ by one direction number.
  let gray = (index ^ (index >>> 1)) >>> 0;
  for (let bit = 0; gray > 0; bit += 1, gray >>>= 1) {
    if ((gray & 1) === 0) continue;
    for (let dimension = 0; dimension < dimensions; dimension += 1) point[dimension]! ^= directionsByDimension[dimension]![bit]!;
  }
  return point;
}
