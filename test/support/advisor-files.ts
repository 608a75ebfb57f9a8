import { subjectsFromFiles } from '../../src/core/advisor/file-subjects.js';
import { checkFiles, ruleById } from '../../src/core/advisor/static-rules.js';

/** Files for the advisor's rule tests: small valid Azure ML YAML files and ARM templates, and what a rule says of them. */

export type Fields = Record<string, string | undefined>;

export const ml = 'Microsoft.MachineLearningServices';

/** A YAML file of top-level fields, each value written as YAML (flow mappings welcome); undefined leaves a field out. */
export function yamlFile(fields: Fields): string {
  const written = Object.entries(fields).filter(([, value]) => value !== undefined);
  return `${written.map(([key, value]) => `${key}: ${value}`).join('\n')}\n`;
}

/** An ARM deployment template of these resources, indented so each field has a line. */
export function armTemplate(...resources: unknown[]): string {
  return JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', resources }, null, 2);
}

const schema = (name: string) => `https://azuremlschemas.azureedge.net/latest/${name}.schema.json`;

/** The least each kind of file needs to be valid, with `fields` over it. */
export const azureMlFile = {
  workspace: (fields: Fields = {}) => yamlFile({ $schema: schema('workspace'), name: 'ws', ...fields }),
  cluster: (fields: Fields = {}) => yamlFile({ name: 'cpu', type: 'amlcompute', ...fields }),
  instance: (fields: Fields = {}) => yamlFile({ name: 'ci', type: 'computeinstance', ...fields }),
  environment: (fields: Fields = {}) => yamlFile({ $schema: schema('environment'), name: 'env', image: 'python:3.11', ...fields }),
  onlineEndpoint: (fields: Fields = {}) => yamlFile({ $schema: schema('managedOnlineEndpoint'), name: 'ep1', ...fields }),
  onlineDeployment: (fields: Fields = {}) =>
    yamlFile({
      $schema: schema('managedOnlineDeployment'),
      name: 'blue',
      endpoint_name: 'ep1',
      model: 'azureml:m:1',
      instance_type: 'Standard_DS3_v2',
      instance_count: '3',
      ...fields,
    }),
  batchDeployment: (fields: Fields = {}) =>
    yamlFile({ $schema: schema('modelBatchDeployment'), name: 'nightly', endpoint_name: 'scoring', model: 'azureml:m:1', ...fields }),
  commandJob: (fields: Fields = {}) =>
    yamlFile({ type: 'command', name: 'train', command: 'python train.py', environment: 'azureml:env:1', ...fields }),
  sweepJob: (fields: Fields = {}) =>
    yamlFile({
      type: 'sweep',
      name: 'tune',
      trial: '{command: "python t.py --lr ${{search_space.lr}}", environment: azureml:env:1}',
      search_space: '{lr: {type: uniform, min_value: 0.01, max_value: 0.1}}',
      sampling_algorithm: 'random',
      objective: '{goal: maximize, primary_metric: acc}',
      ...fields,
    }),
};

/** What one rule says of files checked together: `outcome name: message` (or the reason it is unknown), one line per subject it applies to. */
export function verdicts(ruleId: string, files: Record<string, string>): string[] {
  const rule = ruleById(ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  const subjects = subjectsFromFiles(Object.entries(files).map(([name, text]) => ({ name, text })));
  return checkFiles(subjects, [rule]).checks.map((check) => {
    const said = check.findings.map((finding) => finding.message).join('; ') || check.reason || '';
    return `${check.outcome} ${check.resource.name}: ${said}`.trim();
  });
}
