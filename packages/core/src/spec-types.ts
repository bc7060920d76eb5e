/** The parsed, defaulted form of a paas.yml / dotcloud.yml (see docs/spec.md). */

export const CODE_TYPES = [
  'python', 'python-worker', 'nodejs', 'nodejs-worker', 'custom', 'static',
  'php', 'php-worker', 'ruby', 'ruby-worker', 'perl', 'perl-worker', 'java',
] as const;
export const DATA_TYPES = ['postgresql', 'postgis', 'mysql', 'redis', 'mongodb', 'rabbitmq', 'solr'] as const;

/** Code types this platform can build and run today. */
export const SUPPORTED_CODE_TYPES = [
  'python', 'python-worker', 'nodejs', 'nodejs-worker', 'custom', 'static',
  'php', 'php-worker', 'ruby', 'ruby-worker', 'perl', 'perl-worker', 'java',
] as const;
/** Data types this platform can provision today. */
export const SUPPORTED_DATA_TYPES = ['postgresql', 'postgis', 'mysql', 'redis', 'rabbitmq', 'mongodb'] as const;

export type CodeType = (typeof CODE_TYPES)[number];
export type DataType = (typeof DATA_TYPES)[number];
export type SupportedCodeType = (typeof SUPPORTED_CODE_TYPES)[number];
export type PortProtocol = 'http' | 'tcp' | 'udp';

export interface HealthCheck {
  /** HTTP path probed on the first http port; ignored for workers. */
  path: string;
  /** Seconds a new instance has to become healthy. */
  timeout: number;
  /** Seconds between probes. */
  interval: number;
}

export interface CodeService {
  kind: 'code';
  name: string;
  type: SupportedCodeType;
  /** True for `*-worker` types and for services without an http port. */
  isWorker: boolean;
  /** POSIX path relative to the pushed tree, normalised, "." for the root. */
  approot: string;
  systempackages: string[];
  requirements: string[];
  prebuild?: string;
  postbuild?: string;
  postinstall?: string;
  process?: string;
  processes?: Record<string, string>;
  /** Port name → protocol; web types default to { www: 'http' }. */
  ports: Record<string, PortProtocol>;
  environment: Record<string, string>;
  /** Type-specific settings; versions normalised (`v2.7` → `2.7`). */
  config: Record<string, unknown>;
  instances: number;
  healthcheck: HealthCheck;
  /** Seconds the router waits for a response's headers before answering 504 (http services); absent: the router's default. */
  requestTimeout?: number;
  buildscript?: string;
  dockerfile?: string;
  /** Unknown keys kept from a dotcloud.yml (warned about), passed to the build. */
  extra: Record<string, unknown>;
}

export interface DataService {
  kind: 'data';
  name: string;
  type: DataType;
  config: Record<string, unknown>;
  approot?: string;
}

export type ServiceSpec = CodeService | DataService;

/** Procfile: the spec was derived from a Heroku Procfile (spec/procfile.ts). */
export type SpecFileName = 'paas.yml' | 'dotcloud.yml' | 'Procfile';

export interface AppSpec {
  file: SpecFileName;
  /** In file order. */
  services: Record<string, ServiceSpec>;
}

export interface SpecWarning {
  path: string;
  message: string;
}

export interface ParsedSpec {
  spec: AppSpec;
  warnings: SpecWarning[];
}
