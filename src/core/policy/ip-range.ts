import { FunctionProblem } from './template-values.js';

/**
 * IP ranges as ipRangeContains() reads them: one address (`10.0.0.1`, `2001:db8::1`), a CIDR block
 * (`10.0.0.0/24`, `2001:db8::/110`) or a start-end pair (`192.168.0.1-192.168.0.9`), IPv4 or IPv6.
 */
export interface IpRange {
  family: 4 | 6;
  first: bigint;
  last: bigint;
}

/** Whether `range` holds all of `target`. Empty ranges and mixing IPv4 with IPv6 are errors, as in Azure. */
export function ipRangeContains(range: string, target: string): boolean {
  const outer = parseIpRange(range, 1);
  const inner = parseIpRange(target, 2);
  if (outer.family !== inner.family)
    throw new FunctionProblem(`cannot compare an IPv${outer.family} range ('${range}') with an IPv${inner.family} range ('${target}')`);
  return outer.first <= inner.first && inner.last <= outer.last;
}

export function parseIpRange(text: string, position: number): IpRange {
  const trimmed = text.trim();
  if (trimmed === '') throw new FunctionProblem(`argument ${position} is an empty IP range`);
  const invalid = () =>
    new FunctionProblem(`argument ${position} ('${text}') is not an IP address, a CIDR block (10.0.0.0/24) or a range (10.0.0.1-10.0.0.9)`);
  const dash = trimmed.indexOf('-');
  if (dash >= 0) {
    const start = parseAddress(trimmed.slice(0, dash).trim());
    const end = parseAddress(trimmed.slice(dash + 1).trim());
    if (!start || !end || start.family !== end.family) throw invalid();
    if (start.value > end.value) throw new FunctionProblem(`argument ${position} ('${text}') starts after it ends`);
    return { family: start.family, first: start.value, last: end.value };
  }
  const slash = trimmed.indexOf('/');
  const address = parseAddress(slash >= 0 ? trimmed.slice(0, slash) : trimmed);
  if (!address) throw invalid();
  const bits = address.family === 4 ? 32 : 128;
  if (slash < 0) return { family: address.family, first: address.value, last: address.value };
  const prefixText = trimmed.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) throw invalid();
  const hostBits = BigInt(bits - prefix);
  const first = (address.value >> hostBits) << hostBits;
  return { family: address.family, first, last: first + (1n << hostBits) - 1n };
}

function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((total, part) => (total << 8n) + BigInt(part), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string | undefined): number[] | undefined => {
    if (!half) return [];
    const groups: number[] = [];
    const parts = half.split(':');
    for (const [index, part] of parts.entries()) {
      // An IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
      if (index === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) groups.push(Number.parseInt(part, 16));
      else return undefined;
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return groups.reduce((total, group) => (total << 16n) + BigInt(group), 0n);
}
