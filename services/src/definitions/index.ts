import type { ProvisionedType, ServiceDefinition } from '../types.js';
import { mongodb } from './mongodb.js';
import { mysql } from './mysql.js';
import { postgis, postgresql } from './postgresql.js';
import { rabbitmq } from './rabbitmq.js';
import { redis } from './redis.js';

/** Every definition by type. */
export const definitions: Record<ProvisionedType, ServiceDefinition> = { postgresql, postgis, mysql, redis, rabbitmq, mongodb };
