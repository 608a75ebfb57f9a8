import { seedLines } from '../seed-lines.js';
import { defineStaticRule, type StaticRule, undecided, written } from '../static-rule.js';
import { isUnresolved } from '../static-subject.js';
import { fromArm, shown } from './rule-helpers.js';
import { subjectsOfKind } from './subject-relations.js';

const inferenceDataCollection = defineStaticRule({
  id: 'TRL-OPS-001',
  pillar: 'operations',
  severity: 'medium',
  title: 'Online deployment collects no inference data',
  seed: seedLines.monitorModels,
  why: 'Without the inputs and outputs it scores there is nothing to compare against the training data: drift and quality loss go unseen until users notice.',
  fix: 'Add data_collector with model_inputs and model_outputs collections enabled (enabled: true).',
  fixIn: { 'arm-template': "Add properties.dataCollector.collections with dataCollectionMode 'Enabled'." },
  appliesTo: 'online deployments',
  kinds: ['online-deployment'],
  check(deployment) {
    const collects = deployment.collectsData;
    if (isUnresolved(collects)) return undecided(deployment, 'collectsData', collects);
    if (collects === true) return [];
    return [{ message: `${written(deployment, 'collectsData')} enables no collection`, field: 'collectsData' }];
  },
});

const applicationInsights = defineStaticRule({
  id: 'TRL-OPS-002',
  pillar: 'operations',
  severity: 'low',
  title: 'Online deployment sends no telemetry to Application Insights',
  seed: seedLines.monitorEndpoints,
  why: 'On Azure ML, request logs, latency and errors of the scoring container reach Application Insights only when asked; without them an incident is diagnosed blind. (Trellis keeps its own metrics and logs for every deployment; the field matters where the file is also deployed to Azure ML.)',
  fix: 'Set app_insights_enabled: true.',
  fixIn: { 'arm-template': 'Set properties.appInsightsEnabled to true.' },
  appliesTo: 'online deployments',
  kinds: ['online-deployment'],
  check(deployment) {
    const enabled = deployment.appInsightsEnabled;
    if (isUnresolved(enabled)) return undecided(deployment, 'appInsightsEnabled', enabled);
    if (enabled === true) return [];
    return [
      { message: `${written(deployment, 'appInsightsEnabled')} is ${shown(enabled, 'default: false')}`, field: 'appInsightsEnabled' },
    ];
  },
});

const pinnedImage = defineStaticRule({
  id: 'TRL-OPS-003',
  pillar: 'operations',
  severity: 'medium',
  title: 'Environment image uses a moving tag',
  seed: seedLines.supplyChain,
  why: 'An image without a tag, or tagged latest, changes under the environment: the same environment builds differently from one day to the next, and a rollback does not bring the old image back.',
  fix: 'Pin the image to a dated tag or a digest (image: <registry>/<name>:<tag> or <name>@sha256:<digest>).',
  fixIn: { 'arm-template': 'Pin properties.image to a dated tag or a digest.' },
  appliesTo: 'environments with an image (environment files, inline environments, ARM environment versions)',
  kinds: ['environment'],
  applies: (environment) => environment.image !== undefined,
  check(environment) {
    const image = environment.image;
    if (isUnresolved(image)) return undecided(environment, 'image', image);
    const tag = image === undefined ? undefined : imageTag(image);
    if (tag === 'digest' || (tag !== undefined && tag.toLowerCase() !== 'latest')) return [];
    const what = tag === undefined ? 'has no tag (it means latest)' : 'is tagged latest';
    return [{ message: `${written(environment, 'image')} ${image} ${what}`, field: 'image' }];
  },
});

/** An image reference's tag, 'digest' when pinned by digest, undefined without a tag (a registry port is not a tag). */
export function imageTag(image: string): string | undefined {
  if (image.includes('@sha256:')) return 'digest';
  const lastSegment = image.split('/').at(-1) ?? image;
  const colon = lastSegment.lastIndexOf(':');
  return colon < 0 ? undefined : lastSegment.slice(colon + 1);
}

const registeredModel = defineStaticRule({
  id: 'TRL-OPS-004',
  pillar: 'operations',
  severity: 'low',
  title: 'Deployment serves model files that are not a registered model',
  seed: seedLines.modelRegistries,
  why: 'A model uploaded with the deployment has no version or lineage of its own: nobody can tell which training run made it, compare it, or roll back to the one before.',
  fix: 'Register the model (trellis model create) and reference it as model: azureml:<name>:<version>.',
  fixIn: { 'arm-template': 'Reference a registered model version in properties.model.' },
  appliesTo: 'online and batch deployments that name a model',
  kinds: ['online-deployment', 'batch-deployment'],
  applies: (deployment) => deployment.model !== undefined,
  check(deployment) {
    const model = deployment.model;
    if (isUnresolved(model)) return undecided(deployment, 'model', model);
    if (model?.from !== 'inline') return [];
    return [
      {
        message: `${written(deployment, 'model')} gives the model's files (${model.reference}) instead of a registered model`,
        field: 'model',
      },
    ];
  },
});

const workspaceResourceLogs = defineStaticRule({
  id: 'TRL-OPS-005',
  pillar: 'operations',
  severity: 'medium',
  title: 'Workspace resource logs are not collected',
  seed: seedLines.resourceLogs,
  why: "Without a diagnostic setting the workspace's resource logs (runs, deployments, access) are not kept anywhere you can query or alert on. ARM templates only; the setting must be in the same template.",
  fix: 'Add a Microsoft.Insights/diagnosticSettings resource scoped to the workspace that sends its logs (categoryGroup allLogs) to a Log Analytics workspace.',
  appliesTo: 'workspaces in ARM templates',
  alsoKnownAs: [
    'Azure Policy afe0c3be-ba3b-4544-ba52-0c99672a8ad6',
    'Azure Advisor: Resource logs in Machine Learning workspaces should be enabled',
  ],
  kinds: ['workspace'],
  applies: (workspace) => fromArm(workspace),
  check(workspace, all) {
    const settings = subjectsOfKind(all, 'diagnostic-setting').filter((setting) => setting.origin.file === workspace.origin.file);
    const targeting = settings.filter((setting) => workspace.localName !== undefined && setting.target === workspace.localName);
    if (targeting.some((setting) => setting.logsEnabled === true)) return [];
    const unknown = [...targeting.map((setting) => setting.logsEnabled), ...settings.map((setting) => setting.target)].find(isUnresolved);
    if (unknown) return { undecided: `a diagnostic setting's target or logs are ${unknown.unresolved}: ${unknown.reason}` };
    return [{ message: 'no diagnostic setting in the template sends its resource logs' }];
  },
});

export const operationsRules: readonly StaticRule[] = [
  inferenceDataCollection,
  applicationInsights,
  pinnedImage,
  registeredModel,
  workspaceResourceLogs,
];
