import { collectionsOf } from '../../core/endpoints/data-collection.js';
import type { Deployment } from '../../core/endpoints/endpoint.js';
import { applyResourceFields } from '../../services/apply-resource-fields.js';
import type { Context } from '../../services/context.js';
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
  async register(deployment: Deployment<'online'>): Promise<void> {
    const collection = collectionsOf(deployment);
    if (!collection) return;
    const names = [...(collection.inputs ? ['model_inputs'] : []), ...(collection.outputs ? ['model_outputs'] : [])];
    for (const name of names) {
      await applyResourceFields(
        this.context,
        { actor: 'system:serving', requestId: null },
        {
          workspace: deployment.workspace,
          kind: 'data',
          fields: {
            name: `${deployment.endpoint}-${deployment.name}-${name}`,
            version: '1',
            type: 'uri_folder',
            path: `azureml://datastores/workspaceartifactstore/paths/${PayloadCollector.folderOf(deployment.endpoint, deployment.name, name)}/`,
            description: `${name} sampled from online deployment ${deployment.endpoint}/${deployment.name} (JSON lines, one folder per hour)`,
          },
          fileName: `data collection of ${deployment.endpoint}/${deployment.name}`,
        },
      );
    }
  }

  /** Writes every buffered payload now (on close). */
  async flush(): Promise<void> {
    await this.collector.flush();
  }
}
