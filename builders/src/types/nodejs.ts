import type { TypeBuilder } from '../build-plan.js';
import { nodejsWeb } from './nodejs-common.js';

/** A web service on $PORT; see nodejsBase for what it installs and nodejsWeb for what it runs. */
export const nodejs: TypeBuilder = { ...nodejsWeb };
