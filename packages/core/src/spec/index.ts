export { parseSpec, type ParseSpecOptions } from './parse.js';
export { SPEC_FILES, chooseSpecFile, type ChosenSpecFile } from './spec-file.js';
export { describeService } from './describe.js';
export { hasWebService, isWebService } from './web-service.js';
export { MAX_SPEC_BYTES, MAX_ALIAS_COUNT } from './yaml-safety.js';
export { MAX_DEPTH } from './yaml-depth.js';
export { CUSTOM_DEFAULT_PROCESS, DEFAULT_HEALTHCHECK, DEFAULT_INSTANCES, MAX_INSTANCES } from './defaults.js';
export { PROVIDED_RUNTIMES, normaliseVersion } from './versions.js';
export { SYSTEM_PACKAGE_RE } from './packages.js';
export { ENV_KEY_RE } from './environment.js';
export { PORT_NAME_RE } from './ports.js';
export { CODE_SERVICE_KEYS } from './code-service.js';
export { DATA_SERVICE_KEYS } from './data-service.js';
export { missingApprootError } from './approots.js';
export {
  PROCFILE, PROCFILE_INPUTS, parseProcfile, detectLanguage, readPythonVersion, readNodeVersion, deriveProcfileSpec, chooseSpecSource,
  type ProcfileInput, type ProcfileEntry, type ProcfileLanguage, type DetectedLanguage, type DerivedSpec, type ChosenSource,
} from './procfile.js';
