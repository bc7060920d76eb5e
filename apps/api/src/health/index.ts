export { waitHealthy, DEFAULT_WORKER_ALIVE_MS } from './wait-healthy.js';
export type { HealthCheck, HealthResult, HttpHealthCheck, WorkerHealthCheck } from './wait-healthy.js';
export { watchInstance } from './watch-instance.js';
export { probeHttp } from './probe-http.js';
