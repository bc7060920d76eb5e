import { PaasError } from '@paas/core';
import { CONTEXT_PAAS_DIR, CURRENT_DIR, PAAS_DIR } from './layout.js';
import { execIfSimple } from './shell.js';

const PROCESS_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export const SUPERVISORD_CONF = `${PAAS_DIR}/supervisord.conf`;

/**
 * supervisord.conf plus one script per process. Each command lives in its own
 * script rather than on a `command=` line, so no quoting, `%` interpolation or
 * multi-line value of supervisor's ini format can change what runs.
 */
export function supervisorFiles(serviceName: string, processes: Record<string, string>): Record<string, string> {
  const files: Record<string, string> = {};
  const programs: string[] = [];
  for (const [name, command] of Object.entries(processes)) {
    if (!PROCESS_NAME_RE.test(name)) {
      throw new PaasError('SPEC_INVALID', `${serviceName}.processes.${name}: process names are letters, digits, _ . -`, {
        path: `${serviceName}.processes.${name}`,
      });
    }
    files[`${CONTEXT_PAAS_DIR}/processes/${name}.sh`] = processScript(command);
    programs.push(programSection(name));
  }
  files[`${CONTEXT_PAAS_DIR}/supervisord.conf`] = [header(), ...programs].join('\n');
  return files;
}

/** The app's own supervisord.conf (dotCloud's way to name processes), read from the approot at start. */
export const APP_SUPERVISORD_CONF = `${CURRENT_DIR}/supervisord.conf`;
/** Where dotCloud's supervisor logged, and old supervisord.conf files still write. */
export const SUPERVISOR_LOG_DIR = '/var/log/supervisor';

/**
 * For a service whose spec names no process and whose approot holds a
 * supervisord.conf: paas's header, then the app's file included as it is
 * (its `[program:…]` sections are the processes; `%(ENV_PORT)s` and the
 * like work as in any supervisord.conf).
 */
export function appSupervisorFiles(): Record<string, string> {
  return { [`${CONTEXT_PAAS_DIR}/supervisord.conf`]: `${header()}
[include]
files = ${APP_SUPERVISORD_CONF}
` };
}

function processScript(command: string): string {
  return `#!/bin/sh\ncd ${CURRENT_DIR}\n${execIfSimple(command)}\n`;
}

// Runs as the image's user (app): no `user=`, and every runtime path under /tmp.
function header(): string {
  return `[supervisord]
nodaemon=true
logfile=/dev/null
logfile_maxbytes=0
pidfile=/tmp/supervisord.pid

[unix_http_server]
file=/tmp/supervisor.sock

[supervisorctl]
serverurl=unix:///tmp/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
`;
}

// Output goes to the container's stdout/stderr, where `paas logs` reads it.
function programSection(name: string): string {
  return `[program:${name}]
command=/bin/sh ${PAAS_DIR}/processes/${name}.sh
directory=${CURRENT_DIR}
autorestart=true
startsecs=1
stopasgroup=true
killasgroup=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
stderr_logfile=/dev/stderr
stderr_logfile_maxbytes=0
`;
}
