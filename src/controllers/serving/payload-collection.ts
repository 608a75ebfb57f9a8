import { stringify } from 'yaml';
import type { Deployment } from '../../core/endpoints/endpoint.js';
import { applyResource } from '../../services/apply-resource.js';
import type { Context } from '../../services/context.js';
import type { DeploymentTarget } from '../../serving/endpoint-router.js';
import { PayloadCollector } from '../../serving/payload-collector.js';

/**
 * Collection of scoring payloads (a deployment's data_collector): the collector the router
 * writes sampled requests and responses to, and the data assets that name where they go.
 */
export class PayloadCollection {
  readonly collector: PayloadCollector;

  constructor(private readonly context: Context) {
    this.collector = new PayloadCollector(context.artifactsFor, {
      onError: (error) =>
        context.logger.warn(
          { err: error },
          'payload collection: a batch of collected request/response payloads could not be written to the artifact store and is lost',
        ),
    });
  }

  /**
   * Each enabled collection is a uri_folder data asset (`<endpoint>-<deployment>-<collection>`, as
   * Azure ML names them) over its folder in the workspace's artifact store, made once.
   */
  async register(deployment: Deployment): Promise<void> {
    const collection = collectionOf(deployment);
    if (!collection) return;
    const names = [...(collection.inputs ? ['model_inputs'] : []), ...(collection.outputs ? ['model_outputs'] : [])];
    for (const name of names) {
      const asset = `${deployment.endpoint}-${deployment.name}-${name}`;
      const text = stringify({
        name: asset,
        version: '1',
        type: 'uri_folder',
        path: `azureml://datastores/workspaceartifactstore/paths/${PayloadCollector.folderOf(deployment.endpoint, deployment.name, name)}/`,
        description: `${name} sampled from online deployment ${deployment.endpoint}/${deployment.name} (JSON lines, one folder per hour)`,
      });
      await applyResource(
        this.context,
        { actor: 'system:serving', requestId: null },
        {
          workspace: deployment.workspace,
          fileName: `data collection of ${deployment.endpoint}/${deployment.name}`,
          text,
          expectedKind: 'data',
          uploads: {},
          inlined: {},
          dryRun: false,
        },
      );
    }
  }

  /** Writes every buffered payload now (on close). */
  async flush(): Promise<void> {
    await this.collector.flush();
  }
}

/** A deployment's data_collector as the router uses it; undefined when it collects nothing. */
export function collectionOf(deployment: Deployment): DeploymentTarget['collection'] {
  const collector = (
    deployment.spec as { data_collector?: { collections?: Record<string, { enabled?: boolean }>; sampling_rate?: number } }
  ).data_collector;
  const inputs = collector?.collections?.model_inputs?.enabled === true;
  const outputs = collector?.collections?.model_outputs?.enabled === true;
  if (!inputs && !outputs) return undefined;
  return { inputs, outputs, samplingRate: collector?.sampling_rate ?? 1 };
}
