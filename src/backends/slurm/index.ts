export { attemptStateFromSlurm } from './attempt-state.js';
export { renderBatchScript, type BatchScriptOptions } from './batch-script.js';
export { slurmCommands, type SlurmCommands } from './slurm-commands.js';
export { createSlurmBackend, type SlurmBackendOptions } from './slurm-backend.js';
