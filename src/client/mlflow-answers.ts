import type { mlflowArtifactRoutes } from '../contract/mlflow/artifacts.js';
import type { mlflowExperimentRoutes } from '../contract/mlflow/experiments.js';
import type { mlflowRegistryRoutes } from '../contract/mlflow/registry.js';
import type { MlflowResponseOf } from '../contract/mlflow/route.js';
import type { mlflowRunRoutes } from '../contract/mlflow/runs.js';

/** MLflow's entities as the client types them: each inferred from a route in src/contract/mlflow, never restated. */

/** An experiment, as experiments/get answers it. */
export type MlflowExperimentBody = MlflowResponseOf<typeof mlflowExperimentRoutes.getExperiment>['experiment'];
/** A run with its info, data, inputs and outputs, as runs/get answers it. */
export type MlflowRunBody = MlflowResponseOf<typeof mlflowRunRoutes.getRun>['run'];
/** One metric point of a run; non-finite values come as protobuf JSON writes them ("NaN", "Infinity", "-Infinity"). */
export type MlflowMetricBody = MlflowRunBody['data']['metrics'][number];
/** One entry of an artifact folder listing. */
export type MlflowFileInfoBody = MlflowResponseOf<typeof mlflowArtifactRoutes.listArtifacts>['files'][number];
/** A registered model with its latest versions and aliases. */
export type MlflowRegisteredModelBody = MlflowResponseOf<typeof mlflowRegistryRoutes.getRegisteredModel>['registered_model'];
