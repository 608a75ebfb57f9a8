import { TrellisError } from '../errors.js';

/** MLflow's error codes, with the HTTP status MLflow's server answers each with (mlflow/exceptions.py). */
export const mlflowErrorStatus = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  REQUEST_LIMIT_EXCEEDED: 429,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
} as const;
export type MlflowErrorCode = keyof typeof mlflowErrorStatus;

/** An error clients of the MLflow API branch on: its code is MLflow's, its status MLflow's. */
export function mlflowError(code: MlflowErrorCode, message: string): TrellisError {
  return new TrellisError(code, mlflowErrorStatus[code], message);
}
