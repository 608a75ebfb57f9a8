import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Deployment, type V1ObjectMeta } from '@kubernetes/client-node';
import type { TrellisError } from '../../core/errors.js';
import { kubernetesApiError, statusOf } from './api-errors.js';
import { instanceSetReadiness, type InstanceSetReadiness } from './instance-set-status.js';
import type { OnlineManifests } from './online-deployment-manifest.js';

/**
 * The instances of online deployments on a `type: kubernetes` compute, over
 * `@kubernetes/client-node`: each version is a Deployment, a Service and a Secret (the last two
 * owned by the Deployment, so deleting it removes them). Apply is create-or-replace, so a restart
 * of Trellis adopts what it made before; scale writes the Deployment's scale subresource;
 * readiness reads its status.
 */

export interface KubernetesInstances {
  /** Creates the version's objects, or replaces the Deployment that already has its name (after a restart). */
  apply(manifests: OnlineManifests): Promise<void>;
  /** Sets the number of instances (replicas) of the version's Deployment. */
  scale(name: string, replicas: number): Promise<void>;
  /** Deletes the version's Deployment (and with it its pods, Service and Secret); a missing one is no error. */
  remove(name: string, graceSeconds: number): Promise<void>;
  /** The version's readiness, from its Deployment's status. */
  readiness(name: string): Promise<InstanceSetReadiness>;
}

export interface KubernetesInstancesOptions {
  kubeConfig: KubeConfig;
  /** The compute's namespace. */
  namespace: string;
}

export function createKubernetesInstances(options: KubernetesInstancesOptions): KubernetesInstances {
  const apps = options.kubeConfig.makeApiClient(AppsV1Api);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const { namespace } = options;

  return {
    async apply({ name, deployment, service, secret }) {
      let applied: V1Deployment;
      try {
        applied = await apps.createNamespacedDeployment({ namespace, body: deployment });
      } catch (error) {
        if (statusOf(error) !== 409) throw backendError(error, `create Deployment ${namespace}/${name}`);
        try {
          applied = await apps.replaceNamespacedDeployment({ name, namespace, body: deployment });
        } catch (replaceError) {
          throw backendError(replaceError, `replace Deployment ${namespace}/${name}`);
        }
      }
      const uid = applied.metadata?.uid;
      const owned = <T extends { metadata?: V1ObjectMeta }>(object: T): T =>
        uid
          ? {
              ...object,
              metadata: { ...object.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid }] },
            }
          : object;
      // A Service of that name already selects this version's pods (its spec follows from the name): it is adopted as it is.
      await createUnlessExists(
        () => core.createNamespacedService({ namespace, body: owned(service) }),
        `create Service ${namespace}/${name}`,
      );
      if (secret) {
        const secretName = secret.metadata?.name ?? '';
        try {
          await core.createNamespacedSecret({ namespace, body: owned(secret) });
        } catch (error) {
          if (statusOf(error) !== 409) throw backendError(error, `create Secret ${namespace}/${secretName}`);
          // The token may be a new one (a restart issues new tokens): the Secret is rewritten.
          try {
            await core.replaceNamespacedSecret({ name: secretName, namespace, body: owned(secret) });
          } catch (replaceError) {
            throw backendError(replaceError, `replace Secret ${namespace}/${secretName}`);
          }
        }
      }
    },

    async scale(name, replicas) {
      try {
        await apps.replaceNamespacedDeploymentScale({
          name,
          namespace,
          body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace }, spec: { replicas } },
        });
      } catch (error) {
        throw backendError(error, `scale Deployment ${namespace}/${name} to ${replicas}`);
      }
    },

    async remove(name, graceSeconds) {
      try {
        // Background: the call returns at once; the garbage collector removes the pods, the Service and the Secret.
        await apps.deleteNamespacedDeployment({
          name,
          namespace,
          propagationPolicy: 'Background',
          gracePeriodSeconds: Math.max(0, Math.round(graceSeconds)),
        });
      } catch (error) {
        if (statusOf(error) !== 404) throw backendError(error, `delete Deployment ${namespace}/${name}`);
      }
    },

    async readiness(name) {
      try {
        return instanceSetReadiness(await apps.readNamespacedDeploymentStatus({ name, namespace }));
      } catch (error) {
        if (statusOf(error) === 404) return instanceSetReadiness(undefined);
        throw backendError(error, `read Deployment ${namespace}/${name}`);
      }
    },
  };
}

async function createUnlessExists(create: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (statusOf(error) !== 409) throw backendError(error, what);
  }
}

function backendError(error: unknown, what: string): TrellisError {
  return kubernetesApiError(error, what, 'create, read, update and delete deployments (apps), deployments/scale, services and secrets');
}
