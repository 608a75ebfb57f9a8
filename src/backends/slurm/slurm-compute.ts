import type { SlurmComputeSpec } from '../../core/azureml/compute-schema.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import { TrellisError } from '../../core/errors.js';
import { computeSpecOf } from '../../core/compute/compute-spec.js';
import type { Resource } from '../../core/resources/resource.js';
import type { ComputeBackend, LaunchRequest } from '../compute-backend.js';
import { createSlurmBackend, type SlurmBackendOptions } from './slurm-backend.js';
import type { SlurmCommands } from './slurm-commands.js';

/**
 * The Slurm backends of one server: a `type: slurm` compute's settings become a Slurm backend
 * (made once per compute and settings), and attempts whose compute was deleted can still be
 * polled and stopped by their handle, which is all a Slurm backend needs for that.
 */

export interface SlurmComputes {
  /** The backend for a `type: slurm` compute. */
  backendFor(compute: Resource): ComputeBackend;
  /**
   * A backend for attempts whose compute is gone: `slurm:` handles are polled and stopped through
   * Slurm, every other handle through `otherHandles`. It launches nothing.
   */
  byHandle(otherHandles: ComputeBackend): ComputeBackend;
}

export interface SlurmComputesOptions {
  /** Seconds between the TERM at limits.timeout and Slurm's hard stop (the server's job grace period). */
  graceSeconds: number;
  /** The Slurm tools; tests may pass their own. */
  commands?: SlurmCommands | undefined;
}

/** The SlurmBackendOptions of a stored `type: slurm` compute. Pure. */
export function slurmBackendOptions(spec: SlurmComputeSpec, graceSeconds: number): SlurmBackendOptions {
  return { partition: spec.partition, account: spec.account, nodesMax: spec.nodes_max, graceSeconds };
}

/**
 * What each node is asked for: the catalogue size's vCPUs, memory and GPUs, or, without a size,
 * nothing, so Slurm's defaults apply (one CPU per task, the partition's default memory). Pure.
 */
export function slurmNodeResources(spec: SlurmComputeSpec): LaunchRequest['resources'] {
  const sku = spec.size === undefined ? undefined : findSku(spec.size);
  return sku ? { vcpus: sku.vcpus, memoryGiB: sku.memoryGiB, gpus: sku.gpus } : { vcpus: 0, memoryGiB: 0, gpus: 0 };
}

export function createSlurmComputes(options: SlurmComputesOptions): SlurmComputes {
  const made = new Map<string, { settings: string; backend: ComputeBackend }>();
  // Poll and stop read only the handle, so one backend serves the handles of every Slurm compute.
  const handles = createSlurmBackend({ graceSeconds: options.graceSeconds, commands: options.commands });

  return {
    backendFor(compute) {
      const spec = computeSpecOf(compute, 'slurm');
      const key = `${compute.workspace}/${compute.name}`;
      const settings = JSON.stringify([spec.partition, spec.account, spec.nodes_max, spec.login, spec.size]);
      const cached = made.get(key);
      if (cached?.settings === settings) return cached.backend;
      const backend = createSlurmBackend({ ...slurmBackendOptions(spec, options.graceSeconds), commands: options.commands });
      const resources = slurmNodeResources(spec);
      // The job runner sizes nodes as for amlcompute (a default size when none is given); a Slurm compute sizes its own.
      const sized: ComputeBackend = { ...backend, launch: (request) => backend.launch({ ...request, resources }) };
      made.set(key, { settings, backend: sized });
      return sized;
    },

    byHandle(otherHandles) {
      const route = (handle: string) => (handle.startsWith('slurm:') ? handles : otherHandles);
      return {
        launch: async (request) => {
          throw new TrellisError(
            'ComputeNotFound',
            404,
            `job '${request.jobName}' cannot start: its compute was deleted; submit it again to an existing compute`,
          );
        },
        poll: (handle) => route(handle).poll(handle),
        stop: (handle, graceSeconds) => route(handle).stop(handle, graceSeconds),
      };
    },
  };
}
