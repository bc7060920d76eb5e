import { CURRENT_DIR } from '../layout.js';

/** Debian's Jetty 9 (package jetty9): the servlet container a WAR runs in. */
export const JETTY_HOME = '/usr/share/jetty9';

/**
 * The default process of java services, decided when the instance starts
 * (a postbuild may have made the archive): `java -jar` on the one JAR in the
 * approot, which listens on $PORT itself; else the one WAR, deployed at `/`
 * in Debian's Jetty 9 listening on $PORT, with a Jetty base under /tmp (the
 * image is read-only to the app). JAVA_OPTS, when set, goes before -jar.
 */
export const RUN_JAVA_SH = String.raw`#!/bin/sh
# paas: java -jar on the one *.jar in ${CURRENT_DIR}, else the one *.war in Jetty 9.
cd ${CURRENT_DIR}
one() {
  [ "$#" -eq 1 ] && [ -f "$1" ]
}
found() {
  if [ -f "$1" ]; then echo "$*"; else echo "none"; fi
}
# JAVA_OPTS is split into words on purpose: it holds several options.
# shellcheck disable=SC2086
if one *.jar; then
  set -- *.jar
  exec java ${'$'}{JAVA_OPTS:-} -jar "$1"
fi
if ! ls *.jar >/dev/null 2>&1 && one *.war; then
  port="${'$'}{PORT:-8080}"
  case "$port" in
    ''|*[!0-9]*) echo "paas: PORT must be a number, got '$port'" >&2; exit 1 ;;
  esac
  set -- *.war
  base=/tmp/jetty
  rm -rf "$base" && mkdir -p "$base/webapps"
  # A copy, not a link: Jetty names the context after the link's target.
  cp "$1" "$base/webapps/ROOT.war"
  cd "$base"
  exec java ${'$'}{JAVA_OPTS:-} -jar ${JETTY_HOME}/start.jar jetty.home=${JETTY_HOME} jetty.base="$base" \
    --module=server,http,deploy,webapp jetty.http.port="$port"
fi
set -- *.jar
jars=$(found "$@")
set -- *.war
wars=$(found "$@")
echo "paas: expected exactly one runnable .jar, or else exactly one .war, in $(pwd); found jars: $jars; wars: $wars; set process: to say which to run" >&2
exit 1
`;
