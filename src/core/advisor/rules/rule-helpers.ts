import { isUnresolved, type Known, type StaticSubject } from '../static-subject.js';

/** A value as a message shows it: as written, or what leaving it out means. */
export function shown(value: unknown, whenLeftOut: string): string {
  if (value === undefined) return `not set (${whenLeftOut})`;
  if (isUnresolved(value)) return value.unresolved;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** The managed compute types (clusters and instances) that Azure's network and access settings apply to. */
export const managedComputeTypes = ['amlcompute', 'computeinstance'] as const;

/** Whether a compute type is one of `types`; an unresolved type counts, so the check reports it as unknown. */
export function isComputeType(type: Known<string>, types: readonly string[]): boolean {
  return isUnresolved(type) || types.includes(type);
}

/** True for a subject read from an ARM template. */
export function fromArm(subject: StaticSubject): boolean {
  return subject.origin.format === 'arm-template';
}

/** `120 s`, `2 h 30 min`: seconds for people. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return [hours > 0 ? `${hours} h` : '', minutes > 0 ? `${minutes} min` : ''].filter(Boolean).join(' ');
}
