// TODO(one contract): the online and batch endpoint routes are not declared in src/contract yet; until they are, their answers are typed here.

/** An endpoint as the API answers it. */
export interface EndpointBody {
  workspace: string;
  name: string;
  type: 'online' | 'batch';
  description: string | null;
  tags: Record<string, string>;
  authMode: 'key' | 'aml_token';
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
  defaultDeployment: string | null;
  state: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
  scoringUri: string;
  openInferenceUri: string;
  /** Azure's names, for scripts that read `show --query <field> -o tsv`. */
  provisioning_state: ProvisioningStateBody;
  auth_mode: 'key' | 'aml_token';
  scoring_uri: string;
  openapi_uri: string;
  mirror_traffic: Record<string, number>;
}

/** Azure's provisioning_state of an endpoint or deployment. */
export type ProvisioningStateBody = 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting';

/** A batch endpoint as the API answers it: an endpoint without traffic; its scoring_uri is its invoke URL. */
export type BatchEndpointBody = Omit<
  EndpointBody,
  'type' | 'traffic' | 'mirrorTraffic' | 'scoringUri' | 'openInferenceUri' | 'openapi_uri' | 'mirror_traffic'
> & {
  defaults: { deployment_name: string | null };
};

export interface BatchDeploymentBody {
  workspace: string;
  endpoint: string;
  name: string;
  spec: Record<string, unknown>;
  lineage: Record<string, unknown>;
  state: string;
  reason: string | null;
  provisioning_state: ProvisioningStateBody;
  endpoint_name: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
}

/** A batch endpoint's scoring job; its output is the data asset `outputDataAsset` once the job ends. */
export interface BatchJobBody {
  name: string;
  displayName: string;
  state: string;
  reason: string | null;
  compute: string;
  deployment: string | null;
  outputDataAsset: string;
  submittedAt: number;
  endedAt: number | null;
}

/** A deployment as the API answers it. */
export interface DeploymentBody {
  workspace: string;
  endpoint: string;
  name: string;
  spec: Record<string, unknown>;
  lineage: {
    model: { name: string; version: string; type: string } | null;
    environment: { name: string; version: string | null; curated: boolean } | null;
    code: { name: string; digest: string } | null;
    deployedBy: string;
    deployedAt: number;
  };
  state: string;
  reason: string | null;
  provisioning_state: ProvisioningStateBody;
  endpoint_name: string;
  instanceCount: number;
  readyInstances: number;
  instances: Array<{
    index: number;
    id: string;
    pid: number | null;
    state: string;
    inFlight: number;
    restarts: number;
    failure: string | null;
  }>;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
}

/** A safe rollout as the API answers it. */
export interface RolloutBody {
  endpoint: string;
  to: string;
  steps: number[];
  phase: 'pending' | 'observing' | 'done' | 'rolled-back';
  stepIndex: number;
  weights: Record<string, number>;
  rollbackReason: string | null;
  startedBy: string;
  startedAt: number;
  updatedAt: number;
  audit: Array<{
    at: number;
    step: number;
    weights: Record<string, number>;
    observation: { requests: number; errorRate: number; p99Ms?: number } | null;
    decision: string;
    reason: string;
  }>;
}
