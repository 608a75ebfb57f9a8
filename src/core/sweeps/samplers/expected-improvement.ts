import { logNormalDensity, normalCdf, normalDensity } from './normal-distribution.js';

/**
 * The logarithm of expected improvement below `best` of a normal prediction (mean, variance):
 * log E[max(0, best − f)]. In logs so that candidates far from the data, whose improvement
 * underflows to zero, are still ranked (Ament et al., "Unexpected improvements to expected
 * improvement for Bayesian optimization", 2023).
 */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const deviation = Math.sqrt(variance);
  const z = (best - mean) / deviation;
  return Math.log(deviation) + logImprovementFactor(z);
}

/** log h(z) with h(z) = z Φ(z) + φ(z), the expected improvement of a standard normal at z. */
function logImprovementFactor(z: number): number {
  if (z > -6) return Math.log(z * normalCdf(z) + normalDensity(z));
  // h(z) = φ(z) − |z| Φ(z) cancels; with Φ(z) = φ(z)/|z| · (1 − 1/z² + 3/z⁴ − …), h(z) ≈ φ(z)/z² · (1 − 3/z² + 15/z⁴).
  const inverseSquare = 1 / (z * z);
  return logNormalDensity(z) + Math.log(inverseSquare) + Math.log1p(-3 * inverseSquare + 15 * inverseSquare * inverseSquare);
}
