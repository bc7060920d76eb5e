export { buildApp, VERSION } from './app.js';
export { loadConfig, type ApiConfig } from './config.js';
export type { Platform } from './platform.js';
