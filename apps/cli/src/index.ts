export { main, buildProgram } from './program.js';
export { ApiClient, errorFromResponse } from './api-client.js';
export { packDirectory, listEntries } from './pack.js';
export { PushRenderer, renderPush } from './render-push.js';
export { formatError, exitCodeFor } from './render-error.js';
