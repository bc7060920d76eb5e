/**
 * The one catalogue of error codes. Every error paas reports carries one of
 * these codes; the HTTP layer maps it to a status, the CLI to an exit code,
 * and docs/errors.md says how to fix it (a test keeps the three in sync).
 *
 * CLI exit codes: 1 unexpected, 2 usage, 3 invalid input, 4 not found,
 * 5 conflict, 6 build failed, 7 deploy failed, 8 auth, 9 unavailable,
 * 10 too large.
 */
export interface ErrorSpec {
  status: number;
  exit: number;
  title: string;
}

export const errorCatalogue = {
  USAGE: { status: 400, exit: 2, title: 'The command was called with wrong arguments' },
  NAME_INVALID: { status: 400, exit: 3, title: 'An app or service name breaks the naming rules' },
  SPEC_NOT_FOUND: { status: 400, exit: 3, title: 'No paas.yml or dotcloud.yml in the directory' },
  SPEC_INVALID: { status: 400, exit: 3, title: 'The paas.yml (or dotcloud.yml) is not valid' },
  SPEC_TOO_LARGE: { status: 413, exit: 10, title: 'The paas.yml is larger than allowed' },
  PROCFILE_INVALID: { status: 400, exit: 3, title: 'The Procfile of an app without paas.yml cannot be read as services' },
  TYPE_UNSUPPORTED: { status: 400, exit: 3, title: 'A service type that this platform cannot run yet' },
  DOCKERFILE_REFUSED: { status: 400, exit: 3, title: 'A custom Dockerfile uses an image, a fetch or a flag that builds may not' },
  VERSION_UNSUPPORTED: { status: 400, exit: 3, title: 'A runtime version that this platform cannot provide (--strict)' },
  SCALE_INVALID: { status: 400, exit: 3, title: 'A scale argument is not a whole number from 0 to 64' },
  ENV_INVALID: { status: 400, exit: 3, title: 'An environment variable name is not valid' },
  ENV_TOO_LARGE: { status: 413, exit: 10, title: 'An environment value or the whole environment is too large' },
  PORT_INVALID: { status: 400, exit: 3, title: 'A port number is out of range' },
  DOMAIN_INVALID: { status: 400, exit: 3, title: 'A domain name is not valid' },
  DOMAIN_TAKEN: { status: 409, exit: 5, title: 'The domain is already attached to another app' },
  DOMAIN_NOT_FOUND: { status: 404, exit: 4, title: 'The app has no such custom domain' },
  CERT_INVALID: { status: 400, exit: 3, title: 'A certificate or key is not readable PEM, or its chain does not link up' },
  CERT_KEY_MISMATCH: { status: 400, exit: 3, title: 'The private key does not belong to the certificate' },
  CERT_EXPIRED: { status: 400, exit: 3, title: 'The certificate has expired or is not valid yet' },
  CERT_HOST_MISMATCH: { status: 400, exit: 3, title: 'The certificate does not cover the host name, or the host is not one of the app' },
  CERT_NOT_FOUND: { status: 404, exit: 4, title: 'The app has no own certificate for that host' },
  BAD_REQUEST: { status: 400, exit: 3, title: 'The request is malformed' },
  UPLOAD_INVALID: { status: 400, exit: 3, title: 'The uploaded archive is not a valid gzipped tar' },
  UPLOAD_UNSAFE_PATH: { status: 400, exit: 3, title: 'The uploaded archive has a path or link that leaves the tree' },
  UPLOAD_UNSUPPORTED_ENTRY: { status: 400, exit: 3, title: 'The uploaded archive holds a device or FIFO' },
  UPLOAD_TOO_LARGE: { status: 413, exit: 10, title: 'The uploaded archive is over the size or entry cap' },
  UPLOAD_INCOMPLETE: { status: 400, exit: 3, title: 'The upload ended before the archive was complete' },
  UPLOAD_STALLED: { status: 408, exit: 9, title: 'The upload stopped sending data and was aborted' },
  AUTH_REQUIRED: { status: 401, exit: 8, title: 'No valid token was given' },
  FORBIDDEN: { status: 403, exit: 8, title: 'Only an admin may do this' },
  CSRF_INVALID: { status: 403, exit: 8, title: 'A call signed with the dashboard cookie lacked its CSRF value' },
  APP_NOT_FOUND: { status: 404, exit: 4, title: 'No such app' },
  APP_EXISTS: { status: 409, exit: 5, title: 'An app with that name already exists' },
  USER_NOT_FOUND: { status: 404, exit: 4, title: 'No such user' },
  USER_EXISTS: { status: 409, exit: 5, title: 'A user with that name already exists' },
  SERVICE_NOT_FOUND: { status: 404, exit: 4, title: 'No such service in the app' },
  RELEASE_NOT_FOUND: { status: 404, exit: 4, title: 'No such release' },
  RELEASE_IMAGES_GONE: { status: 410, exit: 4, title: 'The images of that release were pruned; it cannot be rolled back to' },
  SERVICE_NOT_PROVISIONED: { status: 409, exit: 5, title: 'The data service is in the spec but has not been created yet' },
  SERVICE_IMAGE_UNAVAILABLE: { status: 503, exit: 9, title: 'The image a data service needs is not on the engine' },
  SERVICE_NOT_READY: { status: 503, exit: 7, title: 'A data service did not become ready in time' },
  BACKUP_FAILED: { status: 500, exit: 7, title: 'The backup of a data service failed' },
  RESTORE_FAILED: { status: 422, exit: 7, title: 'The restore of a data service failed; its old data was kept where the type allows' },
  BACKUP_INVALID: { status: 400, exit: 3, title: 'The file is not a complete paas backup of this service type' },
  NO_WEB_SERVICE: { status: 404, exit: 4, title: 'The app has no web service, so no URL answers' },
  NOT_FOUND: { status: 404, exit: 4, title: 'No such route' },
  DEPLOY_LOCKED: { status: 409, exit: 5, title: 'Another push, rollback, scale or restart of this app is in progress' },
  NO_RELEASE: { status: 409, exit: 5, title: 'The app has no release yet' },
  INSTANCE_NOT_FOUND: { status: 404, exit: 4, title: 'No such instance of the service' },
  NODE_NOT_FOUND: { status: 404, exit: 4, title: 'No node of the swarm has that name' },
  NOT_ON_SWARM: { status: 409, exit: 5, title: 'The platform runs on one Docker Engine, which has no nodes' },
  MANAGER_UNAVAILABLE: { status: 409, exit: 5, title: 'One-off containers run on the manager node, which is paused or drained' },
  NODE_HOLDS_DATA: { status: 409, exit: 5, title: 'A data service is pinned to the node, so it cannot be drained' },
  BUILD_NOT_FOUND: { status: 404, exit: 4, title: 'No such build of the app' },
  BUILD_FAILED: { status: 422, exit: 6, title: 'A build step failed' },
  RELEASE_UNHEALTHY: { status: 422, exit: 7, title: 'The new release did not become healthy in time' },
  POSTINSTALL_FAILED: { status: 422, exit: 7, title: 'postinstall exited non-zero in a new instance' },
  DESTROY_INCOMPLETE: { status: 500, exit: 7, title: 'Part of the app could not be removed; destroy can be run again' },
  DEPLOY_FAILED: { status: 500, exit: 7, title: 'The deploy failed for a reason other than health' },
  DISK_FULL: { status: 507, exit: 6, title: 'No space left on the device while building' },
  ENGINE_UNAVAILABLE: { status: 503, exit: 9, title: 'The Docker Engine does not answer' },
  REGISTRY_UNAVAILABLE: { status: 503, exit: 9, title: 'The image registry is missing, did not start or does not answer' },
  IMAGE_TRANSFER_FAILED: { status: 502, exit: 7, title: 'An image could not be pushed to the registry or pulled from it' },
  API_UNREACHABLE: { status: 503, exit: 9, title: 'The CLI cannot reach the paas API' },
  NOT_LINKED: { status: 400, exit: 2, title: 'The directory is not linked to an app' },
  // Answered by the router to HTTP clients of the apps (and its control port).
  ROUTE_NOT_FOUND: { status: 404, exit: 4, title: 'No app is served at this host name' },
  NO_HEALTHY_TARGET: { status: 503, exit: 9, title: 'The app has no healthy instance right now' },
  UPSTREAM_FAILED: { status: 502, exit: 9, title: 'The app did not answer' },
  UPSTREAM_TIMEOUT: { status: 504, exit: 9, title: 'The app did not answer in time' },
  BODY_TOO_LARGE: { status: 413, exit: 10, title: 'The request body is over the limit' },
  HEADERS_TOO_LARGE: { status: 431, exit: 10, title: 'The request headers are too large' },
  REQUEST_TIMEOUT: { status: 408, exit: 9, title: 'The request was not sent in time' },
  TABLE_INVALID: { status: 400, exit: 3, title: 'The route table is not valid' },
  TABLE_STALE: { status: 409, exit: 5, title: 'The router already holds a newer route table' },
  STATE_WRITE_FAILED: { status: 500, exit: 1, title: 'The route table could not be saved' },
  TLS_SET_INVALID: { status: 400, exit: 3, title: 'The certificate set sent to the router is not valid' },
  TLS_SET_STALE: { status: 409, exit: 5, title: 'The router already holds a newer certificate set' },
  INTERNAL: { status: 500, exit: 1, title: 'An unexpected error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

export interface Problem {
  /** Dotted path of the offending value, e.g. `www.ports.web`. */
  path: string;
  message: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  hint?: string;
  path?: string;
  problems?: Problem[];
}

export class PaasError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly path: string | undefined;
  readonly problems: Problem[] | undefined;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; path?: string; problems?: Problem[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PaasError';
    this.code = code;
    this.hint = opts.hint;
    this.path = opts.path;
    this.problems = opts.problems;
  }

  get status(): number {
    return errorCatalogue[this.code].status;
  }

  get exitCode(): number {
    return errorCatalogue[this.code].exit;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.hint !== undefined) body.hint = this.hint;
    if (this.path !== undefined) body.path = this.path;
    if (this.problems !== undefined) body.problems = this.problems;
    return body;
  }

  static fromBody(body: ErrorBody): PaasError {
    const code = isErrorCode(body.code) ? body.code : 'INTERNAL';
    const opts: { hint?: string; path?: string; problems?: Problem[] } = {};
    if (body.hint !== undefined) opts.hint = body.hint;
    if (body.path !== undefined) opts.path = body.path;
    if (body.problems !== undefined) opts.problems = body.problems;
    return new PaasError(code, body.message, opts);
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorCatalogue, code);
}

export function isPaasError(err: unknown): err is PaasError {
  return err instanceof PaasError;
}
