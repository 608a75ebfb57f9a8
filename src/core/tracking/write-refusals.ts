import type { TrellisError } from '../errors.js';
import { mlflowError } from './mlflow-error.js';

/**
 * The refusals of the tracking writes, worded as MLflow words them: one place for each message,
 * whether the check ran as its own query or inside the write's single statement (PostgreSQL).
 */
export const writeRefusals = {
  runNotFound: (runId: string): TrellisError => mlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`),
  runNotActive: (runId: string, stage: string): TrellisError =>
    mlflowError('INVALID_PARAMETER_VALUE', `The run ${runId} must be in the 'active' state. Current state is ${stage}.`),
  paramChanged: (runId: string, key: string, before: string, value: string): TrellisError =>
    mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Changing param values is not allowed. Param with key='${key}' was already logged with value='${before}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
    ),
  experimentNotFound: (experimentId: string): TrellisError =>
    mlflowError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${experimentId} exists`),
  experimentNotActive: (experimentId: string, stage: string): TrellisError =>
    mlflowError('INVALID_PARAMETER_VALUE', `The experiment ${experimentId} must be in the 'active' state. Current state is ${stage}.`),
};
