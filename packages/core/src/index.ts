export * from './errors.js';
export * from './names.js';
export * from './spec-types.js';
export * from './api-types.js';
export * from './spec/index.js';
export * from './scale.js';
export * from './logs.js';
export * from './run-protocol.js';
