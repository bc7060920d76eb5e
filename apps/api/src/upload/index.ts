export { extractUpload, type ExtractResult } from './extract.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, type UploadLimits } from './limits.js';
