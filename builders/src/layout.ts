/**
 * Where things live, in the build context and in the image. One place, so the
 * Dockerfile planner, the context packer and the docs agree.
 */

/** The stack image every generated Dockerfile starts from (infra/install.sh builds it). */
export const STACK_IMAGE = 'paas/stack:bookworm';

/** The unprivileged user instances and build hooks run as (uid 1000 in the stack). */
export const APP_USER = 'app';
export const HOME_DIR = '/home/app';
/** The whole pushed tree. */
export const CODE_DIR = `${HOME_DIR}/code`;
/** A symlink to the service's approot inside CODE_DIR; the working directory. */
export const CURRENT_DIR = `${HOME_DIR}/current`;
/** Files paas generates (supervisord.conf, start scripts); root-owned, read-only to the app. */
export const PAAS_DIR = `${HOME_DIR}/paas`;

/** In the build context: the pushed tree goes under code/, generated files under paas/. */
export const CONTEXT_CODE_DIR = 'code';
export const CONTEXT_PAAS_DIR = 'paas';
/** The operator's CA bundle (PAAS_BUILD_CA_FILE), kept apart so it never lands in PAAS_DIR. */
export const CONTEXT_CA_FILE = 'ca/build-ca.crt';
/**
 * Where the CA bundle goes in the image (NODE_EXTRA_CA_CERTS names it). Not in
 * /usr/local/share/ca-certificates: update-ca-certificates wants one
 * certificate per file there.
 */
export const IMAGE_CA_FILE = '/usr/local/share/paas/build-ca.pem';
/** The bundle's certificates that Debian's lacks, one per file: a later update-ca-certificates keeps them in the system bundle. */
export const IMAGE_CA_DIR = '/usr/local/share/ca-certificates/paas';
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
