import type { TypeBuilder } from '../build-plan.js';
import { nodejsBase } from './nodejs-common.js';

/** A web service on $PORT; see nodejsBase for what it installs and runs. */
export const nodejs: TypeBuilder = { ...nodejsBase };
