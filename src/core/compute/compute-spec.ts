import { computeDefaults, type ComputeType } from '../azureml/compute-schema.js';
import { TrellisError } from '../errors.js';
import { findSku } from './sku-catalogue.js';
import type { Resource } from '../resources/resource.js';
import type { ComputeSpecOf, SpecOf } from '../resources/resource-spec.js';

/** True when a compute's spec is of type `type`; narrows it to that type's fields. */
export function isComputeOfType<Type extends ComputeType>(spec: SpecOf<'compute'>, type: Type): spec is ComputeSpecOf<Type> {
  return spec.type === type;
}

/**
 * The spec of `resource` as a compute of type `type`, for a backend that serves only that type.
 * Throws when it is not one: the caller picked the backend by the compute's type, so this is a bug.
 */
export function computeSpecOf<Type extends ComputeType>(resource: Resource, type: Type): ComputeSpecOf<Type> {
  if (resource.kind === 'compute' && isComputeOfType(resource.spec, type)) return resource.spec;
  throw new TrellisError('ComputeTypeMismatch', 500, `${resource.kind} '${resource.name}' is not a compute of type ${type}`);
}

/** A compute's node tier: the spec's (amlcompute, kubernetes), else Azure's default, dedicated. */
export function tierOf(spec: SpecOf<'compute'>): 'dedicated' | 'low_priority' {
  if (isComputeOfType(spec, 'amlcompute') || isComputeOfType(spec, 'kubernetes')) return spec.tier ?? computeDefaults.tier;
  return computeDefaults.tier;
}

/** The VM size of a compute's nodes: the spec's, else Azure's default size (a Slurm compute without one sizes its own nodes). */
export function sizeOf(spec: SpecOf<'compute'>): string {
  if ('size' in spec && typeof spec.size === 'string') return spec.size;
  // Azure's schema writes the default in capitals; record it as the catalogue spells it, as a user would.
  return findSku(computeDefaults.size)?.name ?? computeDefaults.size;
}
