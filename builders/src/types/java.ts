import { RUN_JAVA_SH } from '../assets/run-java.js';
import { CONTEXT_PAAS_DIR, PAAS_DIR } from '../layout.js';
import type { TypeBuilder } from '../build-plan.js';

/**
 * A web service on OpenJDK 17 (Debian's headless JRE): `java -jar` on the one
 * runnable JAR in the approot, which listens on $PORT, or else the one WAR in
 * Debian's Jetty 9 (about 1 MB on top of the JRE, so always installed: the
 * archive may only exist once a postbuild made it). The archive is pushed, or
 * made by a postbuild with openjdk-17-jdk-headless in systempackages (Maven
 * Central is out of reach, so no Maven or Gradle build).
 */
export const java: TypeBuilder = {
  runtimePackages: () => ['openjdk-17-jre-headless', 'jetty9'],
  pathDirs: () => [],
  dependencies: () => ({ manifests: [], run: [] }),
  files: () => ({ [`${CONTEXT_PAAS_DIR}/run-java.sh`]: RUN_JAVA_SH }),
  defaultProcess: () => `${PAAS_DIR}/run-java.sh`,
};
