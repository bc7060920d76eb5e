import type { PortProtocol } from '../spec-types.js';
import { addProblem, type SpecContext } from './problems.js';
import { describeValue } from './paths.js';
import { readNamedMap } from './fields.js';
import { didYouMean } from '../suggest.js';

export const PORT_PROTOCOLS: readonly PortProtocol[] = ['http', 'tcp', 'udp'];
/** Becomes `$PORT_<NAME>`, so it must be a valid variable name; capitals are allowed (dotCloud's `MC`). */
export const PORT_NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

export function readPorts(ctx: SpecContext, value: unknown, path: string): Record<string, PortProtocol> | undefined {
  const ports = readNamedMap(ctx, value, path, { re: PORT_NAME_RE, rule: 'port names are letters, digits and _, starting with a letter (at most 32)' }, (proto, protoPath) => {
    if (typeof proto === 'string' && (PORT_PROTOCOLS as readonly string[]).includes(proto)) return proto as PortProtocol;
    const guess = typeof proto === 'string' ? didYouMean(proto, PORT_PROTOCOLS) : '';
    addProblem(ctx, protoPath, `expected one of ${PORT_PROTOCOLS.join(', ')}, got ${describeValue(proto)}${guess}`);
    return undefined;
  });
  if (ports === undefined) return undefined;
  // `www` and `WWW` would both become $PORT_WWW.
  const seen = new Map<string, string>();
  for (const name of Object.keys(ports)) {
    const upper = name.toUpperCase();
    const other = seen.get(upper);
    if (other !== undefined) addProblem(ctx, path, `ports ${JSON.stringify(other)} and ${JSON.stringify(name)} would both be $PORT_${upper}`);
    seen.set(upper, name);
  }
  return ports;
}
