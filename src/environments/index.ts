export { acquireBuildLock, type AcquireOptions, type BuildLock, type LockOwner } from './build-lock.js';
export { openBuildLog, type BuildLog } from './build-log.js';
export { findInterpreters, type FindInterpretersOptions, type SkippedInterpreter } from './find-interpreters.js';
export { ensureEnvironment, type EnsureEnvironmentOptions, type EnsuredEnvironment } from './venv-builder.js';
