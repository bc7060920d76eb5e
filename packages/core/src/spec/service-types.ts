import { CODE_TYPES, DATA_TYPES, SUPPORTED_CODE_TYPES, SUPPORTED_DATA_TYPES, type CodeType, type DataType } from '../spec-types.js';

export type TypeInfo =
  | { kind: 'code'; type: CodeType; supported: boolean }
  | { kind: 'data'; type: DataType; supported: boolean };

/** Every known type → what it is; unknown types are absent. */
const TYPES = new Map<string, TypeInfo>([
  ...CODE_TYPES.map((type): [string, TypeInfo] => [type, { kind: 'code', type, supported: (SUPPORTED_CODE_TYPES as readonly string[]).includes(type) }]),
  ...DATA_TYPES.map((type): [string, TypeInfo] => [type, { kind: 'data', type, supported: (SUPPORTED_DATA_TYPES as readonly string[]).includes(type) }]),
]);

export function lookupType(type: string): TypeInfo | undefined {
  return TYPES.get(type);
}

export function unsupportedTypeMessage(info: TypeInfo): string {
  const supported = info.kind === 'code' ? SUPPORTED_CODE_TYPES : SUPPORTED_DATA_TYPES;
  return `${JSON.stringify(info.type)} is a known type but this platform cannot run it yet; supported: ${supported.join(', ')}`;
}

export function unknownTypeMessage(type: string): string {
  const lower = type.trim().toLowerCase();
  const guess = lower !== type && TYPES.has(lower) ? ` (did you mean ${JSON.stringify(lower)}?)` : '';
  return `${JSON.stringify(type)} is not a service type${guess}; valid types: ${[...SUPPORTED_CODE_TYPES, ...SUPPORTED_DATA_TYPES].join(', ')}`;
}
