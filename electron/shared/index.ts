export * from './api.js';
export * from './app-types.js';
export * from './contract.js';
export * from './errors.js';
export * from './types.js';
export * from './warnings.js';
