export * from './autoscale.js';
export * from './endpoint.js';
export * from './endpoint-keys.js';
export * from './oip-v2.js';
export * from './request-stats.js';
export * from './rollout.js';
export * from './traffic.js';
