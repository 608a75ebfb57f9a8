export * from './asha-policy.js';
export * from './bandit-policy.js';
export * from './early-termination-problems.js';
export * from './evaluate-policy.js';
export * from './median-stopping-policy.js';
export * from './truncation-selection-policy.js';
