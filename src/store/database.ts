import type { Generated } from 'kysely';

/** Table types as kysely sees them. JSON columns hold canonical JSON text on both dialects. */
export interface Database
  extends TrackingTables,
    JobTables,
    PipelineTables,
    SweepTables,
    ScheduleTables,
    MonitorTables,
    PolicyTables,
    CostTables,
    TraceTables,
    EndpointTables,
    DeploymentProfileTables,
    LeaseTables,
    ServingPlacementTables,
    IdentityTables,
    SecretTables {
  workspaces: WorkspacesTable;
  registries: RegistriesTable;
  resources: ResourcesTable;
  resource_tags: ResourceTagsTable;
  audit_events: AuditEventsTable;
}

/** Azure ML registries; their assets live in the storage space '@<name>' among the workspaces. */
export interface RegistriesTable {
  name: string;
  spec: string;
  tags: string;
  description: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  etag: string;
}

export interface WorkspacesTable {
  name: string;
  spec: string;
  status: string;
  tags: string;
  description: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  etag: string;
  revision: number;
}

export interface ResourcesTable {
  id: Generated<number>;
  workspace: string;
  kind: string;
  name: string;
  /** '' for kinds that are not versioned (compute); the version string for assets. */
  version: string;
  spec: string;
  status: string;
  tags: string;
  description: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  etag: string;
  revision: number;
}

/** Tags again, one row each, so tag filters are indexed lookups on both dialects. */
export interface ResourceTagsTable {
  resource_id: number;
  key: string;
  value: string;
}

export interface AuditEventsTable {
  id: Generated<number>;
  workspace: string;
  at: string;
  actor: string;
  action: string;
  kind: string;
  name: string;
  version: string | null;
  before_digest: string | null;
  after_digest: string | null;
  request_id: string | null;
  summary: string | null;
}

export interface TrackingTables {
  experiments: {
    experiment_id: number;
    workspace: string;
    name: string;
    artifact_location: string;
    lifecycle_stage: string;
    creation_time: number;
    last_update_time: number;
  };
  experiment_tags: { workspace: string; experiment_id: number; key: string; value: string };
  runs: {
    run_uuid: string;
    workspace: string;
    experiment_id: number;
    run_name: string;
    user_id: string;
    status: string;
    start_time: number;
    end_time: number | null;
    artifact_uri: string;
    lifecycle_stage: string;
    deleted_time: number | null;
  };
  params: { run_uuid: string; key: string; value: string };
  run_tags: { run_uuid: string; key: string; value: string };
  metrics: { run_uuid: string; key: string; step: number; timestamp: number; value: number; is_nan: number };
  latest_metrics: { run_uuid: string; key: string; step: number; timestamp: number; value: number; is_nan: number };
  datasets: {
    dataset_uuid: string;
    workspace: string;
    experiment_id: number;
    name: string;
    digest: string;
    source_type: string;
    source: string;
    schema: string | null;
    profile: string | null;
  };
  run_inputs: { run_uuid: string; dataset_uuid: string; position: number };
  input_tags: { run_uuid: string; dataset_uuid: string; key: string; value: string };
  logged_models: {
    model_id: string;
    workspace: string;
    experiment_id: number;
    name: string;
    artifact_location: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    model_type: string | null;
    source_run_id: string | null;
    status: string;
    status_message: string | null;
    lifecycle_stage: string;
  };
  logged_model_tags: { model_id: string; key: string; value: string };
  logged_model_params: { model_id: string; key: string; value: string };
  logged_model_metrics: {
    model_id: string;
    run_uuid: string;
    key: string;
    step: number;
    timestamp: number;
    value: number;
    is_nan: number;
    dataset_name: string;
    dataset_digest: string;
  };
  run_models: { run_uuid: string; model_id: string; direction: string; step: number };
  registered_models: {
    workspace: string;
    name: string;
    description: string | null;
    creation_timestamp: number;
    last_updated_timestamp: number;
    last_version: Generated<number>;
  };
  registered_model_tags: { workspace: string; name: string; key: string; value: string };
  registered_model_aliases: { workspace: string; name: string; alias: string; version: string };
}

export interface JobTables {
  jobs: {
    workspace: string;
    name: string;
    display_name: string;
    experiment_name: string;
    description: string | null;
    tags: string;
    compute: string;
    spec: string;
    lineage: string;
    state: string;
    reason: string | null;
    exit_code: number | null;
    retries: number;
    attempt: number;
    priority: number;
    instance_count: number;
    submitted_at: number;
    started_at: number | null;
    ended_at: number | null;
    run_id: string;
    created_by: string;
    node_seconds: number;
    nodes: string | null;
    handle: string | null;
    stop_request: string | null;
    /** The size and tier its last attempt was placed on (what its node-seconds are priced as); null before it first started. */
    size: string | null;
    tier: string | null;
  };
  job_events: { workspace: string; job: string; seq: number; at: number; state: string; reason: string | null };
  compute_nodes: {
    workspace: string;
    compute: string;
    node_id: string;
    state: string;
    job: string | null;
    size: string;
    tier: string;
    created_at: number;
    idle_since: number | null;
    removed_at: number | null;
    removed_reason: string | null;
  };
}

export interface PipelineTables {
  pipeline_jobs: {
    workspace: string;
    name: string;
    display_name: string;
    experiment_name: string;
    description: string | null;
    tags: string;
    spec: string;
    uploads: string;
    inlined: string;
    state: string;
    reason: string | null;
    run_id: string;
    created_by: string;
    submitted_at: number;
    started_at: number | null;
    ended_at: number | null;
    stop_request: string | null;
    source: string | null;
  };
  pipeline_steps: {
    workspace: string;
    pipeline: string;
    step: string;
    position: number;
    state: string;
    job: string | null;
    reason: string | null;
    reuse_key: string | null;
    reuse_parts: string | null;
    reuse_note: string | null;
  };
}

export interface SweepTables {
  sweep_jobs: {
    workspace: string;
    name: string;
    display_name: string;
    experiment_name: string;
    description: string | null;
    tags: string;
    spec: string;
    uploads: string;
    inlined: string;
    source: string;
    state: string;
    reason: string | null;
    run_id: string;
    created_by: string;
    submitted_at: number;
    started_at: number | null;
    ended_at: number | null;
    stop_request: string | null;
  };
  sweep_trials: {
    workspace: string;
    sweep: string;
    trial_index: number;
    job: string;
    parameters: string;
    objective: number | null;
    reports: number;
    is_final: number;
    stop_reason: string | null;
  };
}

export interface MonitorTables {
  monitor_runs: {
    workspace: string;
    name: string;
    schedule: string;
    slot_at: number;
    started_at: number;
    ended_at: number;
    state: string;
    reason: string | null;
    breaches: number;
    signals: string;
    alert_error: string | null;
  };
  monitor_file_summaries: {
    workspace: string;
    file_key: string;
    rows: number;
    first_at: number | null;
    last_at: number | null;
    summary: string;
    created_at: number;
  };
}

export interface PolicyTables {
  policy_definitions: {
    name: string;
    definition: string;
    created_by: string;
    created_at: number;
    updated_at: number;
  };
  policy_assignments: {
    name: string;
    workspace: string | null;
    definition: string;
    parameters: string;
    enforcement_mode: string;
    description: string | null;
    created_by: string;
    created_at: number;
  };
  policy_exemptions: {
    name: string;
    assignment: string;
    scope: string;
    category: string;
    reason: string;
    expires_at: number | null;
    created_by: string;
    created_at: number;
  };
}

/** Online deployments' instances over time, workspace budgets, and the budget alerts sent. */
export interface CostTables {
  deployment_usage: {
    id: Generated<number>;
    workspace: string;
    endpoint: string;
    deployment: string;
    at: number;
    instances: number;
    size: string;
    tier: string;
    compute: string | null;
    tags: string;
  };
  budgets: {
    workspace: string;
    name: string;
    spec: string;
    created_by: string;
    created_at: number;
    updated_at: number;
    etag: string;
  };
  budget_alerts: {
    workspace: string;
    budget: string;
    month: string;
    kind: string;
    threshold: number;
    at: number;
    spent: number;
    sent_at: number | null;
    error: string | null;
  };
}

/** MLflow traces: info, tags, metadata, spans, assessments and linked runs (migration 018). */
export interface TraceTables {
  traces: {
    trace_id: string;
    workspace: string;
    experiment_id: number;
    client_request_id: string | null;
    request_time: number;
    execution_duration: number | null;
    state: string;
    request_preview: string | null;
    response_preview: string | null;
    span_count: number;
  };
  trace_tags: { trace_id: string; key: string; value: string };
  trace_metadata: { trace_id: string; key: string; value: string };
  trace_spans: {
    trace_id: string;
    span_id: string;
    parent_span_id: string | null;
    name: string;
    span_type: string | null;
    status: string;
    start_time_us: number;
    end_time_us: number | null;
    content: string;
  };
  trace_assessments: {
    assessment_id: string;
    trace_id: string;
    name: string;
    assessment_type: string;
    span_id: string | null;
    content: string;
    /** 1 valid, 0 overridden by a later assessment. */
    valid: number;
    created_at: number;
    updated_at: number;
  };
  trace_runs: { trace_id: string; run_id: string };
}

export interface ScheduleTables {
  schedules: {
    workspace: string;
    name: string;
    display_name: string;
    description: string | null;
    tags: string;
    trigger: string;
    template: string;
    spec: string;
    enabled: number;
    next_fire_at: number | null;
    created_by: string;
    created_at: number;
    updated_at: number;
  };
  schedule_firings: {
    workspace: string;
    schedule: string;
    job: string;
    slot_at: number;
    kind: string;
    missed: number;
    state: string;
    reason: string | null;
    fired_at: number;
  };
}

/** Load tests of online deployments (021-deployment-profiles); `report` is the profile as JSON. */
export interface DeploymentProfileTables {
  deployment_profiles: {
    id: string;
    workspace: string;
    endpoint: string;
    deployment: string;
    state: string;
    report: string;
    started_at: number;
  };
  datastores: {
    workspace: string;
    name: string;
    description: string | null;
    tags: string;
    spec: string;
    credential_type: string;
    sealed_credentials: string | null;
    created_by: string;
    created_at: number;
    updated_at: number;
  };
}

/** Which server holds what (022-controller-lease); instants on the database's clock. */
export interface LeaseTables {
  controller_leases: {
    name: string;
    holder: string;
    address: string | null;
    epoch: number;
    acquired_at: number;
    renewed_at: number;
    expires_at: number;
  };
}

/** Which server serves which online deployment (026-serving-placements); instants on the database's clock. */
export interface ServingPlacementTables {
  serving_placements: {
    workspace: string;
    endpoint: string;
    deployment: string;
    server: string;
    address: string;
    ready_instances: number;
    seen_at: number;
  };
}

export interface EndpointTables {
  endpoints: {
    workspace: string;
    name: string;
    type: string;
    description: string | null;
    tags: string;
    auth_mode: string;
    traffic: string;
    mirror_traffic: string;
    default_deployment: string | null;
    /** The compute name (without azureml:) of an endpoint on a Kubernetes compute; null otherwise. */
    compute: string | null;
    state: string;
    created_by: string;
    created_at: number;
    updated_at: number;
    etag: string;
  };
  endpoint_deployments: {
    workspace: string;
    endpoint: string;
    name: string;
    spec: string;
    lineage: string;
    state: string;
    reason: string | null;
    instance_count: number;
    created_by: string;
    created_at: number;
    updated_at: number;
    etag: string;
  };
  endpoint_secrets: { workspace: string; endpoint: string; primary_key: string; secondary_key: string; token_secret: string };
  endpoint_rollouts: {
    workspace: string;
    endpoint: string;
    phase: string;
    state: string;
    started_by: string;
    started_at: number;
    updated_at: number;
  };
}

/** Principals, tokens (hashes only), custom roles and role assignments. */
export interface IdentityTables {
  principals: PrincipalsTable;
  group_members: GroupMembersTable;
  tokens: TokensTable;
  role_definitions: RoleDefinitionsTable;
  role_assignments: RoleAssignmentsTable;
}

export interface PrincipalsTable {
  name: string;
  /** user, group or servicePrincipal */
  kind: string;
  display_name: string | null;
  created_by: string;
  created_at: number;
}

export interface GroupMembersTable {
  group_name: string;
  member: string;
}

export interface TokensTable {
  id: string;
  principal: string;
  name: string;
  /** pat, session, job or deployment */
  kind: string;
  /** SHA-256 of the token, hex: the token itself is never stored. */
  hash: string;
  /** A job's or deployment's token is bound to its workspace. */
  workspace: string | null;
  /** What a bound token is: job:<name>, deployment:<endpoint>/<deployment>. */
  identity: string | null;
  /** JSON list of the groups an OpenID Connect sign-in listed (sessions); null for others. */
  groups: string | null;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface RoleDefinitionsTable {
  id: string;
  name: string;
  /** The role definition as JSON (Azure's shape). */
  definition: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface RoleAssignmentsTable {
  id: string;
  role_id: string;
  principal: string;
  /** '/' (the server) or '/workspaces/<name>' */
  scope: string;
  created_by: string;
  created_at: number;
}

/** Workspace data keys, wrapped by a key-encryption key (src/secrets/). */
export interface SecretTables {
  workspace_keys: {
    workspace: string;
    key_id: string;
    /** The KEK and version that wrapped it: file:<n> or a PKCS#11 URI. */
    kek_id: string;
    /** base64url of the wrapped data key. */
    wrapped_key: string;
    created_at: number;
    rewrapped_at: number | null;
  };
}
