import type { Expression } from '../sweep-types.js';
import { inverseNormalCdf, normalCdf } from './normal-distribution.js';

/**
 * Each expression as a map from the unit interval onto its values, through its inverse
 * distribution function: a uniform u gives a draw from the expression's distribution, and
 * evenly spread u (a Sobol sequence) give evenly spread values. The model-based samplers work
 * in this unit coordinate too, where log expressions are on a log scale and normal ones on
 * their quantiles.
 */

/** `value` rounded to a multiple of `q`: round(value / q) * q, as Azure ML's q-expressions. */
export function quantize(value: number, q: number): number {
  const rounded = Math.round(value / q) * q;
  // A whole q gives whole numbers as is; otherwise drop the float noise of the product (0.30000000000000004).
  const exact = Number.isInteger(q) ? rounded : Number(rounded.toFixed(decimalsOf(q)));
  return exact + 0; // -0 reads as 0
}

/** How many decimals `q` is written with (0.05 → 2, 1e-7 → 7), at most 15. */
function decimalsOf(q: number): number {
  const [mantissa = '', exponent = '0'] = String(q).split('e');
  const decimals = (mantissa.split('.')[1] ?? '').length - Number(exponent);
  return Math.min(15, Math.max(0, decimals));
}

/**
 * The value of `expression` at `unit` in (0, 1): uniform U(a,b); loguniform exp(U(a,b)); their q
 * forms rounded to multiples of q; normal N(mu,sigma); lognormal exp(N(mu,sigma)); their q forms
 * rounded; randint a whole number in [0, upper); choice the index of a value.
 */
export function valueAt(expression: Expression, unit: number): number {
  switch (expression.type) {
    case 'choice':
      return Math.min(expression.values.length - 1, Math.floor(unit * expression.values.length));
    case 'randint':
      return Math.min(expression.upper - 1, Math.floor(unit * expression.upper));
    case 'uniform':
      return expression.min_value + unit * (expression.max_value - expression.min_value);
    case 'loguniform':
      return Math.exp(expression.min_value + unit * (expression.max_value - expression.min_value));
    case 'quniform':
      return quantize(expression.min_value + unit * (expression.max_value - expression.min_value), expression.q);
    case 'qloguniform':
      return quantize(Math.exp(expression.min_value + unit * (expression.max_value - expression.min_value)), expression.q);
    case 'normal':
      return expression.mu + expression.sigma * inverseNormalCdf(unit);
    case 'lognormal':
      return Math.exp(expression.mu + expression.sigma * inverseNormalCdf(unit));
    case 'qnormal':
      return quantize(expression.mu + expression.sigma * inverseNormalCdf(unit), expression.q);
    case 'qlognormal':
      return quantize(Math.exp(expression.mu + expression.sigma * inverseNormalCdf(unit)), expression.q);
  }
}

/** The unit coordinate of a value before rounding (the continuous part of valueAt, inverted), clamped to [0, 1]. */
function continuousUnitOf(expression: Exclude<Expression, { type: 'choice' | 'randint' }>, value: number): number {
  const isLog = expression.type.includes('log');
  if (isLog && value <= 0) return 0;
  const scaled = isLog ? Math.log(value) : value;
  const unit =
    'mu' in expression
      ? normalCdf((scaled - expression.mu) / expression.sigma)
      : (scaled - expression.min_value) / (expression.max_value - expression.min_value);
  return Math.min(1, Math.max(0, unit));
}

/**
 * The unit coordinates that give `value`: [low, high] for a discrete value (an index, a whole
 * number, a multiple of q), a single point for a continuous one. valueAt of any point inside
 * gives `value` back.
 */
export function unitBinOf(expression: Expression, value: number): { low: number; high: number } {
  switch (expression.type) {
    case 'choice':
      return { low: value / expression.values.length, high: (value + 1) / expression.values.length };
    case 'randint':
      return { low: value / expression.upper, high: (value + 1) / expression.upper };
    case 'quniform':
    case 'qloguniform':
    case 'qnormal':
    case 'qlognormal':
      return {
        low: continuousUnitOf(expression, value - expression.q / 2),
        high: continuousUnitOf(expression, value + expression.q / 2),
      };
    default: {
      const unit = continuousUnitOf(expression, value);
      return { low: unit, high: unit };
    }
  }
}

/** The unit coordinate that stands for `value`: the middle of its bin, or the point itself. */
export function unitOf(expression: Expression, value: number): number {
  const { low, high } = unitBinOf(expression, value);
  return (low + high) / 2;
}
