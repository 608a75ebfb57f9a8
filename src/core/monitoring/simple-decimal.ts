/** Powers of ten that are exact in a double (up to 1e22). */
const exactPowers = Array.from({ length: 23 }, (_, exponent) => 10 ** exponent);

/**
 * The number a plain decimal string (`-12.345`: an optional minus, digits, at most one point, at
 * most 15 digits in all) stands for, read without Number()'s general parser; NaN for anything
 * else, which the caller reads with Number(). Exact: the digits make an integer below 2^53 and one
 * division by an exact power of ten rounds once, so the result is the double Number() gives
 * (Clinger's fast path).
 */
export function parseSimpleDecimal(text: string): number {
  const length = text.length;
  if (length === 0 || length > 17) return Number.NaN;
  let index = 0;
  let negative = false;
  if (text.charCodeAt(0) === 45) {
    negative = true;
    index = 1;
  }
  let digits = 0;
  let mantissa = 0;
  let scale = -1;
  for (; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
    } else if (code === 46 && scale === -1) scale = length - index - 1;
    else return Number.NaN;
  }
  // "-", ".", "1." and ".5" are left to Number() (it reads some of them), as are more than 15 digits.
  if (digits === 0 || digits > 15 || scale === 0 || (scale > 0 && digits === scale)) return Number.NaN;
  const value = scale > 0 ? mantissa / exactPowers[scale]! : mantissa;
  return negative ? -value : value;
}
