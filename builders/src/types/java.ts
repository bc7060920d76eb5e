import { RUN_JAVA_SH } from '../assets/run-java.js';
import { CONTEXT_PAAS_DIR, PAAS_DIR } from '../layout.js';
import type { TypeBuilder } from '../build-plan.js';

/**
 * A web service on OpenJDK 17 (Debian's headless JRE): `java -jar` on the one
 * runnable JAR in the approot, which listens on $PORT. The JAR is pushed, or
 * made by a postbuild with openjdk-17-jdk-headless in systempackages (Maven
 * Central is out of reach, so no Maven or Gradle build). No WAR support.
 */
export const java: TypeBuilder = {
  runtimePackages: () => ['openjdk-17-jre-headless'],
  pathDirs: () => [],
  dependencies: () => ({ manifests: [], run: [] }),
  files: () => ({ [`${CONTEXT_PAAS_DIR}/run-java.sh`]: RUN_JAVA_SH }),
  defaultProcess: () => `${PAAS_DIR}/run-java.sh`,
};
