import { seedLines } from '../seed-lines.js';
import { defineLiveRule, type LiveRule } from './live-rule.js';
import { deploymentName, productionOnlineDeployments } from './live-relations.js';

const unmonitoredProduction = defineLiveRule({
  id: 'TRL-OPS-101',
  pillar: 'operations',
  severity: 'medium',
  title: 'Production deployment has no model monitor',
  seed: seedLines.monitorModels,
  why: 'A model in production degrades silently as its inputs drift from what it learned on; without a monitor (a schedule with create_monitor) watching the deployment, nobody hears of it until the answers are visibly wrong.',
  fix: 'Create a monitor for it: a schedule with create_monitor whose monitoring_target.endpoint_deployment_id names the deployment (docs/monitoring.md).',
  appliesTo: 'online deployments serving production',
  subjects: productionOnlineDeployments,
  resource: (deployment) => ({ kind: 'online-deployment', name: deploymentName(deployment) }),
  check(deployment, snapshot) {
    const watching = snapshot.monitors.filter(
      (monitor) => monitor.endpoint === deployment.endpoint && (monitor.deployment === null || monitor.deployment === deployment.name),
    );
    if (watching.some((monitor) => monitor.enabled)) return [];
    if (watching.length > 0) return [`its monitor(s) ${watching.map((monitor) => `'${monitor.name}'`).join(', ')} are disabled`];
    return ['no monitor watches it'];
  },
});

const modelWithoutLineage = defineLiveRule({
  id: 'TRL-OPS-102',
  pillar: 'operations',
  severity: 'medium',
  title: 'Deployment serves a model without lineage',
  seed: seedLines.modelRegistries,
  why: 'A model registered from files, with no job or run behind it, cannot be traced to the code, data and environment that made it: it cannot be reproduced, audited or retrained the same way.',
  fix: 'Register the model from the job or run that trained it (trellis model create --path azureml://jobs/<job>/outputs/<output>, or mlflow.register_model) and deploy that version.',
  appliesTo: 'online and batch deployments',
  subjects: (snapshot) => snapshot.deployments,
  resource: (deployment) => ({ kind: `${deployment.type}-deployment`, name: deploymentName(deployment) }),
  check(deployment, snapshot) {
    const served = deployment.model;
    if (served === null) return ['it serves no registered model'];
    const model = snapshot.models.find((candidate) => candidate.name === served.name && candidate.version === served.version);
    if (!model) return [`its model ${served.name}:${served.version} is no longer registered`];
    if (model.madeBy !== null) return [];
    return [`its model ${served.name}:${served.version} was registered from files: no job or run made it`];
  },
});

const trafficWithoutCollection = defineLiveRule({
  id: 'TRL-OPS-103',
  pillar: 'operations',
  severity: 'low',
  title: 'Online deployment serving traffic collects no inference data',
  seed: seedLines.monitorModels,
  why: "Drift and performance monitors compare what a deployment was asked and answered with a reference; a deployment that keeps none of its requests can't be monitored, and a bad answer can't be looked at afterwards.",
  fix: 'Add data_collector: {collections: {model_inputs: {enabled: "True"}, model_outputs: {enabled: "True"}}} to the deployment.',
  appliesTo: 'online deployments with a share of live traffic',
  subjects: (snapshot) =>
    snapshot.deployments.filter(
      (deployment) =>
        deployment.type === 'online' &&
        (snapshot.endpoints.find((endpoint) => endpoint.name === deployment.endpoint)?.traffic[deployment.name] ?? 0) > 0,
    ),
  resource: (deployment) => ({ kind: 'online-deployment', name: deploymentName(deployment) }),
  check(deployment, snapshot) {
    if (deployment.collectsData) return [];
    const share = snapshot.endpoints.find((endpoint) => endpoint.name === deployment.endpoint)?.traffic[deployment.name] ?? 0;
    return [`it takes ${share}% of the endpoint's traffic and its data_collector keeps neither inputs nor outputs`];
  },
});

export const liveOperationsRules: readonly LiveRule[] = [unmonitoredProduction, modelWithoutLineage, trafficWithoutCollection];
