/**
 * Seeded randomness for the samplers: xoshiro128** (Blackman and Vigna), its state derived by
 * hashing a seed and keys (a trial's index, a purpose) with the MurmurHash3 finaliser. Written
 * here rather than taken from a package because it is twenty lines, and because a sampler needs
 * a stream per (seed, trial) without drawing through the trials before it, so that trial i's
 * parameters do not depend on when it is asked for.
 */

/** A stream of random numbers, the same for the same seed and keys. */
export interface RandomStream {
  /** Uniform in the open interval (0, 1), with 53 random bits. */
  uniform(): number;
  /** A whole number in [0, count). */
  integer(count: number): number;
  /** Standard normal, N(0, 1) (Box–Muller). */
  normal(): number;
}

/** MurmurHash3's 32-bit finaliser: every input bit reaches every output bit. */
function mix(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

const golden = 0x9e3779b9;

/** A stream for `seed` and `keys` (any finite numbers; whole numbers up to 2^53 are told apart exactly). */
export function randomStream(seed: number, ...keys: number[]): RandomStream {
  let hash = golden;
  for (const key of [seed, ...keys]) {
    const whole = Math.trunc(key);
    const fraction = Math.round((key - whole) * 2 ** 32);
    // Low and high words, and any fraction, so 1, 2^32 + 1 and 1.5 give different streams.
    for (const word of [whole % 2 ** 32, Math.floor(whole / 2 ** 32), fraction]) hash = mix((hash ^ (word >>> 0)) + golden);
  }
  const lane = (index: number) => mix(hash + Math.imul(index, golden)) | 0;
  let s0 = lane(1);
  let s1 = lane(2);
  let s2 = lane(3);
  let s3 = lane(4);
  // xoshiro's state must not be all zero.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const next = (): number => {
    const result = Math.imul(rotate(Math.imul(s1, 5), 7), 9) >>> 0;
    const shifted = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = rotate(s3, 11);
    return result;
  };
  const uniform = () => ((next() >>> 5) * 2 ** 26 + (next() >>> 6) + 0.5) / 2 ** 53;
  return {
    uniform,
    integer: (count) => Math.min(count - 1, Math.floor(uniform() * count)),
    normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
  };
}

function rotate(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}
