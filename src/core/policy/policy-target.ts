import type { Tags } from '../resources/resource.js';

/**
 * What a policy is evaluated on: one Trellis resource (or one job about to run, or one deployment's
 * model) seen as the Azure resource it stands for. Aliases read it (policy-aliases.ts).
 */

export const workspaceType = 'Microsoft.MachineLearningServices/workspaces';
export const computeType = `${workspaceType}/computes`;
export const onlineEndpointType = `${workspaceType}/onlineEndpoints`;
export const onlineDeploymentType = `${onlineEndpointType}/deployments`;
/** Azure's data-plane view of a deployment's model (mode Microsoft.MachineLearningServices.v2.Data). */
export const deploymentModelType = 'Microsoft.MachineLearningServices.v2.Data/workspaces/deployments';
/** Azure's data-plane view of a job on a compute (mode Microsoft.MachineLearningServices.Data). */
export const jobComputeType = 'Microsoft.MachineLearningServices.Data/workspaces/jobs';

/** The modes of definitions, and which targets each applies to. */
export const resourceModes = ['all', 'indexed'] as const;
export const jobMode = 'microsoft.machinelearningservices.data';
export const deploymentModelMode = 'microsoft.machinelearningservices.v2.data';

/** Facts about this Trellis installation that some aliases read when a resource leaves a field out. */
export interface InstallationFacts {
  /** The server listens on loopback addresses only: nothing outside this machine reaches it. */
  listensOnLoopbackOnly: boolean;
}

interface TargetBase {
  workspace: string;
  name: string;
  tags: Tags;
}

/** A workspace, compute, online endpoint or online deployment: its spec as the YAML wrote it. */
export interface ResourceTarget extends TargetBase {
  type: typeof workspaceType | typeof computeType | typeof onlineEndpointType | typeof onlineDeploymentType;
  spec: Record<string, unknown>;
  /** The endpoint of an online deployment. */
  endpoint?: string | undefined;
}

/** The model an online or batch deployment serves. */
export interface DeploymentModelTarget extends TargetBase {
  type: typeof deploymentModelType;
  endpoint: string;
  model: {
    /** azureml://registries/<r>/models/<n>/versions/<v>, or azureml://workspaces/<ws>/models/<n>/versions/<v>. */
    assetId: string;
    registryName?: string | undefined;
    publisher?: string | undefined;
  };
}

/** A job about to run on a compute: what Azure's "enforce setting" definitions select by. */
export interface JobComputeTarget extends TargetBase {
  type: typeof jobComputeType;
  compute: {
    name: string;
    /** The compute's spec; undefined for local (serverless) runs. */
    spec: Record<string, unknown> | undefined;
    tags: Tags;
  };
}

export type PolicyTarget = ResourceTarget | DeploymentModelTarget | JobComputeTarget;

/** The ARM-like id Trellis gives a target: what `field('id')` reads and what exemptions and states name. */
export function targetId(target: PolicyTarget): string {
  const base = `/workspaces/${target.workspace}`;
  switch (target.type) {
    case workspaceType:
      return base;
    case computeType:
      return `${base}/computes/${target.name}`;
    case onlineEndpointType:
      return `${base}/onlineEndpoints/${target.name}`;
    case onlineDeploymentType:
    case deploymentModelType:
      return `${base}/onlineEndpoints/${target.endpoint}/deployments/${target.name}`;
    case jobComputeType:
      return `${base}/jobs/${target.name}`;
  }
}

/** Which targets a definition of `mode` is evaluated on (Azure ignores case in modes). */
export function modeApplies(mode: string, target: PolicyTarget): boolean {
  const lower = mode.toLowerCase();
  if (lower === jobMode) return target.type === jobComputeType;
  if (lower === deploymentModelMode) return target.type === deploymentModelType;
  return (resourceModes as readonly string[]).includes(lower) && target.type !== jobComputeType && target.type !== deploymentModelType;
}
