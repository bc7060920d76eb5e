import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Children } from './router-procs.js';
import { waitForPort } from './router-procs.js';

const nginx = '/usr/sbin/nginx';

function common(dir: string, name: string, workers: number): string {
  const tmp = join(dir, `${name}-tmp`);
  return `
worker_processes ${workers};
daemon off;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}-error.log`)} warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  keepalive_requests 1000000;
`;
}

/** The upstream every variant measures against: a fixed 13-byte answer from one nginx worker. */
export async function startUpstream(children: Children, dir: string, port: number): Promise<number> {
  const conf = `${common(dir, 'upstream', 1)}
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / { default_type text/plain; return 200 "hello, world\\n"; }
  }
}
`;
  return run(children, dir, 'upstream', conf, port);
}

/**
 * nginx as the reverse proxy to compare with: 2 workers, keep-alive
 * upstream, X-Forwarded-* like the router. With `tls`, it terminates TLS on
 * that port with the given certificate (the router's, in the same run).
 */
export async function startNginxProxy(children: Children, dir: string, port: number, upstreamPort: number, tls?: { certFile: string; keyFile: string }): Promise<number> {
  const name = tls === undefined ? 'proxy' : 'proxy-tls';
  const listen = tls === undefined
    ? `listen 127.0.0.1:${port} backlog=4096;`
    : `listen 127.0.0.1:${port} ssl backlog=4096;
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
    ssl_session_cache shared:bench:1m;`;
  const conf = `${common(dir, name, 2)}
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    ${listen}
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}
`;
  return run(children, dir, name, conf, port);
}

/** Starts nginx in the foreground; resolves with the master's pid once the port answers. */
async function run(children: Children, dir: string, name: string, conf: string, port: number): Promise<number> {
  await mkdir(join(dir, `${name}-tmp`), { recursive: true });
  const file = join(dir, `${name}.conf`);
  await writeFile(file, conf);
  const child = children.start(`nginx ${name}`, nginx, ['-e', join(dir, `${name}-error.log`), '-p', dir, '-c', file]);
  await waitForPort(port);
  return child.pid!;
}
