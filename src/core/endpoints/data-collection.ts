import type { Deployment } from './endpoint.js';

/** What an online deployment's `data_collector` keeps: its inputs, its answers, and the share of requests sampled. */
export interface PayloadCollections {
  inputs: boolean;
  outputs: boolean;
  samplingRate: number;
}

/** The collections a deployment's data_collector enables; undefined when it collects nothing. */
export function collectionsOf(deployment: Deployment<'online'>): PayloadCollections | undefined {
  const collector = deployment.spec.data_collector;
  const inputs = collector?.collections?.model_inputs?.enabled === true;
  const outputs = collector?.collections?.model_outputs?.enabled === true;
  if (!collector || (!inputs && !outputs)) return undefined;
  return { inputs, outputs, samplingRate: collector.sampling_rate };
}

/**
 * The folder (in the workspace's artifact store) a collection of a deployment is written under,
 * in Azure ML's layout; the hourly folders `yyyy/mm/dd/hh/` go below it.
 */
export function collectedFolder(endpoint: string, deployment: string, collection: string): string {
  return `collected/${endpoint}/${deployment}/${collection}`;
}
