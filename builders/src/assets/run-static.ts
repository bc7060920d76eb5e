import { NGINX_HTTP_OPEN } from './nginx-common.js';

/**
 * The default process of static services: renders $PORT into an nginx config
 * at start (the port is only known then) and runs nginx in the foreground as
 * the image's user, with every runtime path under /tmp. Dotfiles (`/.env`,
 * `/.git/…`), `paas.yml` and `dotcloud.yml` answer 404 wherever they are,
 * links are not followed, and directory redirects are relative.
 */
export function runStaticSh(root: string): string {
  return `#!/bin/sh
# paas: nginx-light serving ${root} on $PORT.
set -eu
port="\${PORT:-8080}"
case "$port" in
  ''|*[!0-9]*) echo "paas: PORT must be a number, got '$port'" >&2; exit 1 ;;
esac
mkdir -p /tmp/nginx
cat >/tmp/nginx/nginx.conf <<EOF
${NGINX_HTTP_OPEN}
  server {
    listen $port;
    root ${root};
    index index.html index.htm;
    # Redirects (a directory without its slash) name the path only, never this port.
    absolute_redirect off;
    # Nothing through a link: a link may lead out of the root.
    disable_symlinks on from=\\$document_root;
    # What is hidden answers as if absent.
    error_page 403 =404 @absent;
    location @absent { return 404; }
    location ~ /\\. { return 404; }
    location ~* (^|/)(paas|dotcloud)\\.ya?ml\\$ { return 404; }
  }
}
EOF
exec nginx -e stderr -p /tmp/nginx -c /tmp/nginx/nginx.conf -g 'daemon off;'
`;
}
