/**
 * The part of nginx.conf the static and php types share: one worker run as
 * the image's user, its pid and every temporary path under /tmp/nginx (the
 * image is read-only to the app), logs to the instance's stdout and stderr.
 * Ends inside `http {`; the caller adds its settings and `server` block.
 * No `$` or backslash in it, so it reads the same in a quoted or an
 * unquoted heredoc.
 */
export const NGINX_HTTP_OPEN = `worker_processes 1;
pid /tmp/nginx/nginx.pid;
error_log stderr;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  sendfile on;
  client_body_temp_path /tmp/nginx/client_body;
  proxy_temp_path /tmp/nginx/proxy;
  fastcgi_temp_path /tmp/nginx/fastcgi;
  uwsgi_temp_path /tmp/nginx/uwsgi;
  scgi_temp_path /tmp/nginx/scgi;`;
