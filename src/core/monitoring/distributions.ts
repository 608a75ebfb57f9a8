/**
 * The tail probabilities behind the two tests' p-values: the chi-squared distribution's
 * (regularized upper incomplete gamma, as scipy.special.gammaincc) and the Kolmogorov
 * distribution's (the limit of √n·D, as scipy.stats.kstwobign.sf).
 */

const lanczosG = 7;
const lanczosCoefficients = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0, by the Lanczos approximation (g = 7, 9 terms: ~1e-15 relative). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const shifted = x - 1;
  let series = lanczosCoefficients[0]!;
  for (let index = 1; index < lanczosCoefficients.length; index++) series += lanczosCoefficients[index]! / (shifted + index);
  const t = shifted + lanczosG + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(series);
}

/** ln Γ(a) − ((a − ½)·ln a − a + ½·ln 2π), the error of Stirling's formula, by its series (a ≥ 10). */
function stirlingError(a: number): number {
  const inverse = 1 / a;
  const inverseSquared = inverse * inverse;
  // Bernoulli numbers: B2k / (2k (2k − 1)), for k = 1 .. 7; the next term is below 1e-17 at a = 10.
  const terms = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156];
  let sum = 0;
  for (let index = terms.length - 1; index >= 0; index--) sum = sum * inverseSquared + terms[index]!;
  return sum * inverse;
}

/**
 * xᵃ·e⁻ˣ / Γ(a), the factor both of gammq's expansions share. For large a the logarithm is
 * rearranged around x = a (a·(log1p(d) − d) with d = (x − a)/a, plus Stirling's error) so the big
 * terms a·ln x, x and ln Γ(a) do not cancel in floating point.
 */
function gammaPrefactor(a: number, x: number): number {
  if (a < 10) return Math.exp(a * Math.log(x) - x - lnGamma(a));
  const d = (x - a) / a;
  return Math.exp(a * (Math.log1p(d) - d) + 0.5 * Math.log(a / (2 * Math.PI)) - stirlingError(a));
}

const maximumIterations = 100_000;
const epsilon = 1e-16;
const tiny = 1e-300;

/**
 * Q(a, x) = Γ(a, x)/Γ(a), the regularized upper incomplete gamma function, for a > 0, x ≥ 0
 * (Numerical Recipes' gammq): 1 − the series for P when x < a + 1, else Q's continued fraction
 * by the modified Lentz method.
 */
export function regularizedUpperGamma(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`the incomplete gamma function needs a > 0 and x ≥ 0 (a = ${a}, x = ${x})`);
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < maximumIterations && Math.abs(term) >= Math.abs(sum) * epsilon; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - sum * gammaPrefactor(a, x);
  }
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let n = 1; n < maximumIterations; n++) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < epsilon) break;
  }
  return h * gammaPrefactor(a, x);
}

/** P(X > statistic) for X chi-squared with `degreesOfFreedom` (scipy.stats.chi2.sf). */
export function chiSquaredSurvival(statistic: number, degreesOfFreedom: number): number {
  if (statistic <= 0) return 1;
  return regularizedUpperGamma(degreesOfFreedom / 2, statistic / 2);
}

/**
 * P(K > x) for the Kolmogorov distribution, the limit of √n·Dₙ (scipy.stats.kstwobign.sf):
 * 2·Σ (−1)^(k−1)·exp(−2k²x²) for x ≥ 1; for x < 1, where that series converges slowly, 1 minus
 * the CDF's Jacobi form √(2π)/x·Σ exp(−(2k−1)²π²/(8x²)). Both run until a term is below 1e-17.
 */
export function kolmogorovSurvival(x: number): number {
  if (x <= 0) return 1;
  if (x >= 1) {
    let sum = 0;
    for (let k = 1; ; k++) {
      const term = Math.exp(-2 * k * k * x * x);
      sum += k % 2 === 1 ? term : -term;
      if (term < 1e-17 * sum || term === 0) break;
    }
    return Math.min(1, Math.max(0, 2 * sum));
  }
  let sum = 0;
  for (let k = 1; ; k++) {
    const odd = 2 * k - 1;
    const term = Math.exp((-odd * odd * Math.PI * Math.PI) / (8 * x * x));
    sum += term;
    if (term < 1e-17 * sum || term === 0) break;
  }
  return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / x) * sum));
}
