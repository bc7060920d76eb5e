import { CURRENT_DIR } from '../layout.js';

/**
 * The default process of java services: `java -jar` on the one JAR in the
 * approot, found when the instance starts, since a postbuild may have made
 * it. The app listens on $PORT itself; JAVA_OPTS, when set, goes before -jar.
 */
export const RUN_JAVA_SH = String.raw`#!/bin/sh
# paas: java -jar on the one *.jar in ${CURRENT_DIR}.
cd ${CURRENT_DIR}
set -- *.jar
if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
  if [ -f "$1" ]; then found="$*"; else found="none"; fi
  echo "paas: expected exactly one runnable .jar in $(pwd), found: $found; set process: to say which to run" >&2
  exit 1
fi
# JAVA_OPTS is split into words on purpose: it holds several options.
# shellcheck disable=SC2086
exec java ${'$'}{JAVA_OPTS:-} -jar "$1"
`;
