import type { ResourceKind } from '../resources/kinds.js';

/**
 * Fields Trellis accepts and keeps in the spec, so an Azure ML file works unchanged, but that
 * configure Azure infrastructure and change nothing in Trellis. Each maps to the reason shown
 * to the user in a note ("recorded, no local effect: <reason>").
 */
export const azureOnlyFields: Readonly<Record<ResourceKind, Readonly<Record<string, string>>>> = {
  component: {},
  workspace: {
    location: 'the Azure region; Trellis runs where it is installed',
    resource_group: 'the Azure resource group; Trellis has none',
    kind: 'Azure AI hub/project workspaces; every Trellis workspace is the same kind',
    hub_id: 'the Azure AI hub a project belongs to',
    default_resource_group: 'where an Azure AI hub creates project resources',
    workspace_hub: 'the Azure AI hub a workspace belongs to',
    discovery_url: 'the Azure service discovery endpoint',
    hbi_workspace: 'asks Azure for less telemetry and extra encryption; Trellis sends no telemetry',
    storage_account: 'an Azure storage account; Trellis keeps files in its own artifact store',
    container_registry: 'an Azure container registry; Trellis builds and keeps images itself',
    key_vault: 'an Azure Key Vault; Trellis keeps its own secrets',
    application_insights: 'Azure Application Insights; Trellis keeps its own metrics and logs',
    image_build_compute: 'the Azure compute that builds images behind a private link',
    public_network_access: 'the Azure network switch; control access with the network Trellis listens on',
    network_acls: 'Azure IP firewall rules; use a firewall in front of Trellis',
    managed_network: 'the Azure-managed virtual network and its outbound rules',
    provision_network_now: 'when Azure provisions the managed network',
    identity: 'the Azure managed identity of the workspace',
    primary_user_assigned_identity: 'the Azure managed identity of the workspace',
    system_datastores_auth_mode: 'how Azure datastores authenticate to Azure storage',
    enable_data_isolation: 'Azure data isolation between workspaces',
    allow_roleassignment_on_rg: 'Azure role assignments on the resource group',
    serverless_compute: 'the subnet of Azure serverless compute',
  },
  environment: {
    os_type: 'the Azure host OS for the image; Trellis runs the image on the host it has',
    inference_config: "routes of Azure's inference server; Trellis serving uses its own routes",
    datastore: 'the Azure datastore for uploads; Trellis uploads to its artifact store',
    auto_delete_setting: 'Azure deletes stale versions by this rule; Trellis keeps versions until deleted',
  },
  data: {
    datastore: 'the Azure datastore for uploads; Trellis uploads to its artifact store',
    auto_delete_setting: 'Azure deletes stale versions by this rule; Trellis keeps versions until deleted',
  },
  code: {
    datastore: 'the Azure datastore for uploads; Trellis uploads to its artifact store',
    auto_delete_setting: 'Azure deletes stale versions by this rule; Trellis keeps versions until deleted',
  },
  model: {
    datastore: 'the Azure datastore for uploads; Trellis uploads to its artifact store',
    system_metadata: "metadata of Azure's model catalog",
    default_deployment_template: 'an Azure ML deployment template',
    allowed_deployment_templates: 'Azure ML deployment templates',
  },
  compute: {
    location: 'the Azure region; Trellis runs where it is installed',
    resource_id: 'the ARM id of an Azure resource to attach',
    identity: 'the Azure managed identity of the nodes',
    network_settings: 'the Azure virtual network of the nodes',
    ssh_public_access_enabled: 'SSH access to Azure nodes',
    ssh_settings: 'SSH credentials for Azure nodes',
    enable_node_public_ip: 'public IPs of Azure nodes',
    create_on_behalf_of: 'the Azure user a compute instance is created for',
    schedules: 'Azure starts and stops the compute instance VM on this schedule',
    idle_time_before_shutdown: 'Azure shuts the compute instance VM down when idle',
    idle_time_before_shutdown_minutes: 'Azure shuts the compute instance VM down when idle',
    setup_scripts: 'scripts Azure runs on the compute instance VM',
    custom_applications: 'applications Azure runs on the compute instance VM',
    enable_sso: 'Azure single sign-on to the compute instance',
    enable_root_access: 'root access on the Azure compute instance VM',
    release_quota_on_stop: 'Azure quota of a stopped compute instance',
    enable_os_patching: 'Azure OS patching of the compute instance VM',
    properties: 'settings of the Azure ML extension on an Arc-enabled cluster',
    scale_settings: 'Synapse pool scaling, set in Azure Synapse',
    auto_pause_settings: 'Synapse pool pausing, set in Azure Synapse',
  },
};

/** Compute types that attach an existing Azure resource by ARM id: recorded, but Trellis cannot reach them. */
export const azureOnlyComputeTypes: Readonly<Record<string, string>> = {
  synapsespark: 'a Synapse Spark pool is attached from Azure; Trellis records it but cannot run jobs on it',
  virtualmachine: 'the VM is named by its Azure ARM id; Trellis records it but cannot reach the VM through Azure',
};
