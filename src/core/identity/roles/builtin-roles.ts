import type { RoleDefinition } from './role-definition.js';

/**
 * Azure's built-in roles that matter to a workspace, as Azure publishes them (role definition
 * ids and permissions from Azure's role catalogue; the actions outside Azure ML that Contributor
 * denies are kept as they are, so a definition compares equal to Azure's).
 */
export const builtInRoles: RoleDefinition[] = [
  {
    id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    name: 'Owner',
    description: 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    type: 'BuiltInRole',
    permissions: [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }],
    assignableScopes: ['/'],
  },
  {
    id: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    name: 'Contributor',
    description:
      'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.',
    type: 'BuiltInRole',
    permissions: [
      {
        actions: ['*'],
        notActions: [
          'Microsoft.Authorization/*/Delete',
          'Microsoft.Authorization/*/Write',
          'Microsoft.Authorization/elevateAccess/Action',
          'Microsoft.Blueprint/blueprintAssignments/write',
          'Microsoft.Blueprint/blueprintAssignments/delete',
          'Microsoft.Compute/galleries/share/action',
          'Microsoft.Purview/consents/write',
          'Microsoft.Purview/consents/delete',
          'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
          'Microsoft.Subscription/cancel/action',
          'Microsoft.Subscription/enable/action',
        ],
        dataActions: [],
        notDataActions: [],
      },
    ],
    assignableScopes: ['/'],
  },
  {
    id: 'acdd72a7-3c48-4ff0-8e6d-b3b3b2e42467',
    name: 'Reader',
    description: 'View all resources, but does not allow you to make any changes.',
    type: 'BuiltInRole',
    permissions: [{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }],
    assignableScopes: ['/'],
  },
  {
    id: 'f6c7c914-8db3-469d-8ca1-694a8f32e121',
    name: 'AzureML Data Scientist',
    description:
      'Can perform all actions within an Azure Machine Learning workspace, except for creating or deleting compute resources and modifying the workspace itself.',
    type: 'BuiltInRole',
    permissions: [
      {
        actions: [
          'Microsoft.MachineLearningServices/workspaces/*/read',
          'Microsoft.MachineLearningServices/workspaces/*/action',
          'Microsoft.MachineLearningServices/workspaces/*/delete',
          'Microsoft.MachineLearningServices/workspaces/*/write',
        ],
        notActions: [
          'Microsoft.MachineLearningServices/workspaces/delete',
          'Microsoft.MachineLearningServices/workspaces/write',
          'Microsoft.MachineLearningServices/workspaces/computes/*/write',
          'Microsoft.MachineLearningServices/workspaces/computes/*/delete',
          'Microsoft.MachineLearningServices/workspaces/computes/listKeys/action',
          'Microsoft.MachineLearningServices/workspaces/listKeys/action',
          'Microsoft.MachineLearningServices/workspaces/hubs/write',
          'Microsoft.MachineLearningServices/workspaces/hubs/delete',
          'Microsoft.MachineLearningServices/workspaces/featurestores/write',
          'Microsoft.MachineLearningServices/workspaces/featurestores/delete',
        ],
        dataActions: [],
        notDataActions: [],
      },
    ],
    assignableScopes: ['/'],
  },
  {
    id: 'e503ece1-11d0-4e8e-8e2c-7a6c3bf38815',
    name: 'AzureML Compute Operator',
    description: 'Can access and perform CRUD operations on Machine Learning Services managed compute resources (including Notebook VMs).',
    type: 'BuiltInRole',
    permissions: [
      {
        actions: ['Microsoft.MachineLearningServices/workspaces/computes/*', 'Microsoft.MachineLearningServices/workspaces/notebooks/vm/*'],
        notActions: [],
        dataActions: [],
        notDataActions: [],
      },
    ],
    assignableScopes: ['/'],
  },
  {
    id: '1823dd4f-9b8c-4ab6-ab4e-7397a3684615',
    name: 'AzureML Registry User',
    description: 'Can perform all actions on Machine Learning Services Registry assets as well as get Registry resources.',
    type: 'BuiltInRole',
    permissions: [
      {
        actions: ['Microsoft.MachineLearningServices/registries/read', 'Microsoft.MachineLearningServices/registries/assets/*'],
        notActions: [],
        dataActions: [],
        notDataActions: [],
      },
    ],
    assignableScopes: ['/'],
  },
];
