import { choleskyFactor, inverseFromCholesky, solveLower, solveUpper } from './cholesky.js';

/**
 * A Gaussian process on the unit cube with a Matérn 5/2 kernel, one lengthscale per input
 * (automatic relevance determination), an output scale and a noise variance. The
 * hyperparameters are the maximum a posteriori under log-normal priors, found by Rprop steps
 * on the log posterior's analytic gradient: no line searches, at most a fixed amount of work.
 */

/** The kernel's and the noise's settings, as natural logarithms. */
export interface Hyperparameters {
  logLengthscales: Float64Array;
  logOutputScale: number;
  logNoise: number;
}

/** A fitted process: the posterior mean and variance of the latent function at a point. */
export interface GaussianProcess {
  predict(point: ArrayLike<number>): { mean: number; variance: number };
}

const root5 = Math.sqrt(5);
// A floor under the noise, so the kernel matrix stays well conditioned with repeated points.
const minimumNoise = 1e-6;

/** Log-normal priors, as (mean, deviation) of the logarithm. */
export interface Priors {
  logLengthscale: { mean: number; deviation: number };
  logOutputScale: { mean: number; deviation: number };
  logNoise: { mean: number; deviation: number };
}

/**
 * Priors for inputs in the unit cube and standardised targets. The lengthscales' prior grows
 * with the dimension (Hvarfner et al., "Vanilla Bayesian optimization performs great in high
 * dimensions", 2024), so a many-parameter space starts smooth rather than as noise.
 */
export function defaultPriors(dimensions: number): Priors {
  return {
    logLengthscale: { mean: Math.SQRT2 + 0.5 * Math.log(Math.max(1, dimensions)), deviation: Math.sqrt(3) },
    logOutputScale: { mean: 0, deviation: 1 },
    logNoise: { mean: -8, deviation: 2 },
  };
}

/** The squared scaled distance Σ ((a_j − b_j) / ℓ_j)². */
function scaledDistanceSquared(a: ArrayLike<number>, b: ArrayLike<number>, inverseLengthscales: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < inverseLengthscales.length; j += 1) {
    const difference = (a[j]! - b[j]!) * inverseLengthscales[j]!;
    sum += difference * difference;
  }
  return sum;
}

/** Matérn 5/2 at scaled distance r (output scale 1): (1 + √5 r + 5r²/3) e^{−√5 r}. */
function matern(distanceSquared: number): number {
  const r = Math.sqrt(distanceSquared);
  return (1 + root5 * r + (5 / 3) * distanceSquared) * Math.exp(-root5 * r);
}

/** The kernel matrix of `inputs` with noise on the diagonal, or null when its Cholesky factor fails. */
function factorKernel(
  inputs: readonly ArrayLike<number>[],
  hyperparameters: Hyperparameters,
): { lower: Float64Array; distances: Float64Array; correlations: Float64Array } | null {
  const n = inputs.length;
  const inverseLengthscales = hyperparameters.logLengthscales.map((logLengthscale) => Math.exp(-logLengthscale));
  const outputScale = Math.exp(hyperparameters.logOutputScale);
  const noise = Math.exp(hyperparameters.logNoise) + minimumNoise;
  const distances = new Float64Array(n * n);
  const correlations = new Float64Array(n * n);
  const kernel = new Float64Array(n * n);
  for (let row = 0; row < n; row += 1) {
    for (let column = 0; column <= row; column += 1) {
      const distance = row === column ? 0 : scaledDistanceSquared(inputs[row]!, inputs[column]!, inverseLengthscales);
      const correlation = matern(distance);
      distances[row * n + column] = distances[column * n + row] = distance;
      correlations[row * n + column] = correlations[column * n + row] = correlation;
      kernel[row * n + column] = kernel[column * n + row] = outputScale * correlation + (row === column ? noise : 0);
    }
  }
  const lower = choleskyFactor(kernel, n);
  return lower ? { lower, distances, correlations } : null;
}

/**
 * The log posterior density of the hyperparameters (log marginal likelihood plus log priors)
 * and its gradient in the order logLengthscales…, logOutputScale, logNoise; null when the
 * kernel matrix cannot be factored.
 */
export function logPosterior(
  inputs: readonly ArrayLike<number>[],
  targets: readonly number[],
  hyperparameters: Hyperparameters,
  priors: Priors,
): { value: number; gradient: Float64Array } | null {
  const n = inputs.length;
  const dimensions = hyperparameters.logLengthscales.length;
  const factored = factorKernel(inputs, hyperparameters);
  if (!factored) return null;
  const { lower, distances, correlations } = factored;
  const alpha = solveUpper(lower, n, solveLower(lower, n, targets));
  let value = -0.5 * n * Math.log(2 * Math.PI);
  for (let i = 0; i < n; i += 1) value -= 0.5 * targets[i]! * alpha[i]! + Math.log(lower[i * n + i]!);

  // dlogL/dθ = ½ Σ W ∘ ∂K/∂θ with W = ααᵀ − K⁻¹.
  const inverse = inverseFromCholesky(lower, n);
  const outputScale = Math.exp(hyperparameters.logOutputScale);
  const inverseLengthscalesSquared = hyperparameters.logLengthscales.map((logLengthscale) => Math.exp(-2 * logLengthscale));
  const gradient = new Float64Array(dimensions + 2);
  let trace = 0;
  for (let row = 0; row < n; row += 1) {
    trace += alpha[row]! * alpha[row]! - inverse[row * n + row]!;
    gradient[dimensions]! += 0.5 * (alpha[row]! * alpha[row]! - inverse[row * n + row]!) * outputScale;
    for (let column = 0; column < row; column += 1) {
      // Both triangles: the factor ½ cancels.
      const weight = alpha[row]! * alpha[column]! - inverse[row * n + column]!;
      gradient[dimensions]! += weight * outputScale * correlations[row * n + column]!;
      const r = Math.sqrt(distances[row * n + column]!);
      // ∂k/∂log ℓ_j = s² (5/3)(1 + √5 r) e^{−√5 r} · (Δ_j / ℓ_j)².
      const radial = weight * outputScale * (5 / 3) * (1 + root5 * r) * Math.exp(-root5 * r);
      if (radial === 0) continue;
      const a = inputs[row]!;
      const b = inputs[column]!;
      for (let j = 0; j < dimensions; j += 1) {
        const difference = a[j]! - b[j]!;
        gradient[j]! += radial * difference * difference * inverseLengthscalesSquared[j]!;
      }
    }
  }
  gradient[dimensions + 1] = 0.5 * trace * Math.exp(hyperparameters.logNoise);

  const prior = (x: number, { mean, deviation }: { mean: number; deviation: number }, index: number) => {
    value -= (0.5 * (x - mean) ** 2) / deviation ** 2;
    gradient[index]! -= (x - mean) / deviation ** 2;
  };
  hyperparameters.logLengthscales.forEach((logLengthscale, j) => {
    prior(logLengthscale, priors.logLengthscale, j);
  });
  prior(hyperparameters.logOutputScale, priors.logOutputScale, dimensions);
  prior(hyperparameters.logNoise, priors.logNoise, dimensions + 1);
  return { value, gradient };
}

const bounds = { logLengthscale: [Math.log(0.005), Math.log(50)], logOutputScale: [Math.log(0.01), Math.log(100)], logNoise: [-16, 0] };

/**
 * The hyperparameters that maximise the log posterior, by at most `steps` Rprop steps from the
 * priors' means (deterministic: the same data give the same fit). Rprop moves each parameter by
 * its own step size, so the badly scaled directions of this surface (a lengthscale that makes no
 * difference beside one that makes all of it) converge in tens of steps where plain gradient
 * steps need thousands. Keeps the best point visited.
 */
export function fitHyperparameters(
  inputs: readonly ArrayLike<number>[],
  targets: readonly number[],
  priors: Priors,
  steps = 60,
): Hyperparameters {
  const dimensions = inputs[0]?.length ?? 0;
  const parameters = new Float64Array(dimensions + 2);
  parameters.fill(priors.logLengthscale.mean, 0, dimensions);
  parameters[dimensions] = priors.logOutputScale.mean;
  parameters[dimensions + 1] = priors.logNoise.mean;
  const lowerBounds = parameters.map((_, index) =>
    index < dimensions ? bounds.logLengthscale[0]! : index === dimensions ? bounds.logOutputScale[0]! : bounds.logNoise[0]!,
  );
  const upperBounds = parameters.map((_, index) =>
    index < dimensions ? bounds.logLengthscale[1]! : index === dimensions ? bounds.logOutputScale[1]! : bounds.logNoise[1]!,
  );
  const unpack = (values: Float64Array): Hyperparameters => ({
    logLengthscales: values.slice(0, dimensions),
    logOutputScale: values[dimensions]!,
    logNoise: values[dimensions + 1]!,
  });

  let best = { value: Number.NEGATIVE_INFINITY, parameters: parameters.slice() };
  // iRprop⁻: each parameter's step grows while its gradient keeps its sign and halves when it flips.
  const stepSizes = new Float64Array(parameters.length).fill(0.1);
  const previousGradient = new Float64Array(parameters.length);
  for (let step = 1; step <= steps; step += 1) {
    const evaluated = logPosterior(inputs, targets, unpack(parameters), priors);
    if (!evaluated) {
      // Not factorable: more noise makes it so.
      parameters[dimensions + 1] = Math.min(upperBounds[dimensions + 1]!, parameters[dimensions + 1]! + 1);
      continue;
    }
    if (evaluated.value > best.value) best = { value: evaluated.value, parameters: parameters.slice() };
    for (let index = 0; index < parameters.length; index += 1) {
      let gradient = evaluated.gradient[index]!;
      const agreement = gradient * previousGradient[index]!;
      if (agreement > 0) stepSizes[index] = Math.min(1, stepSizes[index]! * 1.2);
      else if (agreement < 0) {
        stepSizes[index] = Math.max(1e-6, stepSizes[index]! * 0.5);
        gradient = 0;
      }
      previousGradient[index] = gradient;
      parameters[index] = Math.min(
        upperBounds[index]!,
        Math.max(lowerBounds[index]!, parameters[index]! + Math.sign(gradient) * stepSizes[index]!),
      );
    }
    if (stepSizes.every((size) => size < 1e-4)) break;
  }
  return unpack(best.parameters);
}

/** The posterior given `inputs` and `targets` under fixed hyperparameters; more noise is added until the kernel factors. */
export function conditionGaussianProcess(
  inputs: readonly ArrayLike<number>[],
  targets: readonly number[],
  hyperparameters: Hyperparameters,
): GaussianProcess {
  const n = inputs.length;
  let settings = hyperparameters;
  let factored = factorKernel(inputs, settings);
  while (!factored) {
    settings = { ...settings, logNoise: settings.logNoise + 2 };
    factored = factorKernel(inputs, settings);
  }
  const { lower } = factored;
  const alpha = solveUpper(lower, n, solveLower(lower, n, targets));
  const inverseLengthscales = settings.logLengthscales.map((logLengthscale) => Math.exp(-logLengthscale));
  const outputScale = Math.exp(settings.logOutputScale);
  const covariances = new Float64Array(n);
  return {
    predict: (point) => {
      let mean = 0;
      for (let i = 0; i < n; i += 1) {
        covariances[i] = outputScale * matern(scaledDistanceSquared(point, inputs[i]!, inverseLengthscales));
        mean += covariances[i]! * alpha[i]!;
      }
      const projected = solveLower(lower, n, covariances);
      let explained = 0;
      for (let i = 0; i < n; i += 1) explained += projected[i]! * projected[i]!;
      return { mean, variance: Math.max(1e-12, outputScale - explained) };
    },
  };
}
