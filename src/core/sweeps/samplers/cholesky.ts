/**
 * The little dense linear algebra a Gaussian process needs, on symmetric positive definite
 * matrices stored row by row in a Float64Array: the Cholesky factor, solves against it, and
 * the inverse. Sizes are a sweep's trials (tens to a hundred or two), so plain loops do.
 */

/**
 * The lower-triangular L with L·Lᵀ = matrix (n × n), or null when the matrix is not positive
 * definite (a pivot at or below zero).
 */
export function choleskyFactor(matrix: Float64Array, n: number): Float64Array | null {
  const lower = new Float64Array(n * n);
  for (let row = 0; row < n; row += 1) {
    for (let column = 0; column <= row; column += 1) {
      let sum = matrix[row * n + column]!;
      for (let k = 0; k < column; k += 1) sum -= lower[row * n + k]! * lower[column * n + k]!;
      if (row === column) {
        if (!(sum > 0)) return null;
        lower[row * n + row] = Math.sqrt(sum);
      } else {
        lower[row * n + column] = sum / lower[column * n + column]!;
      }
    }
  }
  return lower;
}

/** x with L·x = b (forward substitution). */
export function solveLower(lower: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let row = 0; row < n; row += 1) {
    let sum = b[row]!;
    for (let k = 0; k < row; k += 1) sum -= lower[row * n + k]! * x[k]!;
    x[row] = sum / lower[row * n + row]!;
  }
  return x;
}

/** x with Lᵀ·x = b (back substitution). */
export function solveUpper(lower: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let row = n - 1; row >= 0; row -= 1) {
    let sum = b[row]!;
    for (let k = row + 1; k < n; k += 1) sum -= lower[k * n + row]! * x[k]!;
    x[row] = sum / lower[row * n + row]!;
  }
  return x;
}

/** The inverse of L·Lᵀ, from L: (L⁻¹)ᵀ·L⁻¹. */
export function inverseFromCholesky(lower: Float64Array, n: number): Float64Array {
  // L⁻¹ column by column: L·c = e_j, lower triangular, so column j starts at row j.
  const inverseLower = new Float64Array(n * n);
  for (let column = 0; column < n; column += 1) {
    inverseLower[column * n + column] = 1 / lower[column * n + column]!;
    for (let row = column + 1; row < n; row += 1) {
      let sum = 0;
      for (let k = column; k < row; k += 1) sum -= lower[row * n + k]! * inverseLower[k * n + column]!;
      inverseLower[row * n + column] = sum / lower[row * n + row]!;
    }
  }
  const inverse = new Float64Array(n * n);
  for (let row = 0; row < n; row += 1) {
    for (let column = 0; column <= row; column += 1) {
      let sum = 0;
      for (let k = row; k < n; k += 1) sum += inverseLower[k * n + row]! * inverseLower[k * n + column]!;
      inverse[row * n + column] = sum;
      inverse[column * n + row] = sum;
    }
  }
  return inverse;
}
