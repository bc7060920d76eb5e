import { CURRENT_DIR } from '../layout.js';
import { NGINX_HTTP_OPEN } from './nginx-common.js';

/** Where php-fpm listens: a unix socket the app user owns, so no port but $PORT is open. */
export const PHP_FPM_SOCKET = '/tmp/php/php-fpm.sock';

/**
 * The default process of php services: php-fpm and nginx-light, both as the
 * image's user with every runtime path under /tmp, watched by bash. The
 * approot is the document root with index.php as front controller; the app's
 * own nginx.conf is included in the server block, as on dotCloud (its own
 * php.ini is loaded through PHP_INI_SCAN_DIR, see php-common.ts). Whichever
 * of the two exits first takes the other down, so the instance is restarted
 * rather than left half-alive.
 */
export const RUN_PHP_SH = String.raw`#!/bin/bash
# paas: php-fpm on a unix socket behind nginx-light on $PORT, serving ${CURRENT_DIR}.
set -eu
port="${'$'}{PORT:-8080}"
case "$port" in
  ''|*[!0-9]*) echo "paas: PORT must be a number, got '$port'" >&2; exit 1 ;;
esac
fpm_bin=$(ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1)
if [ -z "$fpm_bin" ]; then echo "paas: php-fpm is not installed" >&2; exit 1; fi
mkdir -p /tmp/nginx /tmp/php
cat >/tmp/php/php-fpm.conf <<'CONF'
[global]
pid = /tmp/php/php-fpm.pid
error_log = /proc/self/fd/2
daemonize = no

[app]
listen = ${PHP_FPM_SOCKET}
pm = dynamic
pm.max_children = 8
pm.start_servers = 2
pm.min_spare_servers = 1
pm.max_spare_servers = 4
; The app reads its settings (PORT, the data services' variables) from the environment.
clear_env = no
catch_workers_output = yes
decorate_workers_output = no
CONF
printf 'listen %s;\n' "$port" >/tmp/nginx/listen.conf
if [ -f ${CURRENT_DIR}/nginx.conf ]; then
  echo 'include ${CURRENT_DIR}/nginx.conf;' >/tmp/nginx/app.conf
else
  : >/tmp/nginx/app.conf
fi
cat >/tmp/nginx/nginx.conf <<'CONF'
${NGINX_HTTP_OPEN}
  client_max_body_size 64m;
  server {
    include /tmp/nginx/listen.conf;
    # Redirects (a directory without its slash) name the path only, never this port.
    absolute_redirect off;
    root ${CURRENT_DIR};
    index index.php index.html index.htm;
    # The app's own configuration files are not pages.
    location ~ ^/(nginx\.conf|php\.ini|paas\.yml|dotcloud\.yml|composer\.(json|lock))$ { return 404; }
    location ~ /\. { return 404; }
    include /tmp/nginx/app.conf;
    location / { try_files $uri $uri/ /index.php?$query_string; }
    location ~ \.php(/|$) {
      fastcgi_split_path_info ^(.+?\.php)(/.*)$;
      try_files $fastcgi_script_name =404;
      include /etc/nginx/fastcgi.conf;
      fastcgi_param PATH_INFO $fastcgi_path_info;
      fastcgi_pass unix:${PHP_FPM_SOCKET};
    }
  }
}
CONF
"$fpm_bin" --nodaemonize --fpm-config /tmp/php/php-fpm.conf &
fpm=$!
nginx -e stderr -p /tmp/nginx -c /tmp/nginx/nginx.conf -g 'daemon off;' &
web=$!
trap 'kill -TERM "$fpm" "$web" 2>/dev/null || true' TERM INT
set +e
wait -n "$fpm" "$web"
status=$?
kill -TERM "$fpm" "$web" 2>/dev/null
wait
exit "$status"
`;
