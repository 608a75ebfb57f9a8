/**
 * The standard normal distribution's density, distribution function and its inverse: what maps
 * a uniform number onto a normal expression, and what expected improvement is made of.
 */

const logRootTwoPi = 0.5 * Math.log(2 * Math.PI);

/** The density φ(x). */
export function normalDensity(x: number): number {
  return Math.exp(-0.5 * x * x - logRootTwoPi);
}

/** log φ(x). */
export function logNormalDensity(x: number): number {
  return -0.5 * x * x - logRootTwoPi;
}

/**
 * log erfc(x) for x ≥ 0 by the Chebyshev-fitted form of Numerical Recipes' erfcc (relative
 * error below 1.2e-7), kept in logs so the far tail does not underflow.
 */
function logErfcOfPositive(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const polynomial =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + polynomial;
}

/** The distribution function Φ(x) = P(N(0,1) ≤ x). */
export function normalCdf(x: number): number {
  const tail = 0.5 * Math.exp(logErfcOfPositive(Math.abs(x) / Math.SQRT2));
  return x < 0 ? tail : 1 - tail;
}

/** log Φ(x), accurate far into the lower tail. */
export function logNormalCdf(x: number): number {
  if (x < 0) return Math.log(0.5) + logErfcOfPositive(-x / Math.SQRT2);
  return Math.log1p(-0.5 * Math.exp(logErfcOfPositive(x / Math.SQRT2)));
}

const central = {
  numerator: [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239],
  denominator: [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572, 1],
};
const tail = {
  numerator: [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783],
  denominator: [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416, 1],
};

/** A polynomial's value by Horner's rule, coefficients from the highest power down. */
function horner(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((sum, coefficient) => sum * x + coefficient, 0);
}

/** Φ⁻¹(p) for p in (0, 1) by Acklam's rational approximation (relative error below 1.2e-9); ±Infinity at 0 and 1. */
export function inverseNormalCdf(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const lowTail = 0.02425;
  if (p < lowTail) {
    const q = Math.sqrt(-2 * Math.log(p));
    return horner(tail.numerator, q) / horner(tail.denominator, q);
  }
  if (p > 1 - lowTail) {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    return -horner(tail.numerator, q) / horner(tail.denominator, q);
  }
  const q = p - 0.5;
  const r = q * q;
  return (horner(central.numerator, r) * q) / horner(central.denominator, r);
}
