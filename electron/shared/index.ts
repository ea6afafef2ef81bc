export * from './api.js';
export * from './contract.js';
export * from './errors.js';
export * from './types.js';
