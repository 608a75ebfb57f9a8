/**
 * A number as a stop reason shows it: up to six significant digits, so 0.7 / 1.1 reads
 * 0.636364 rather than 0.6363636363636362, yet two figures a reason compares stay distinct
 * unless they are equal to a millionth.
 */
export function figure(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}
