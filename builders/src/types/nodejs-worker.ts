import type { TypeBuilder } from '../build-plan.js';
import { nodejsBase } from './nodejs-common.js';

/** Same image as nodejs; the scheduler gives it no port and checks it by "still running". */
export const nodejsWorker: TypeBuilder = { ...nodejsBase };
