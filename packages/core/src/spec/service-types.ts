import { didYouMean } from '../suggest.js';
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

/** dotCloud types no platform image stands for: named, so the refusal says what to do instead. */
const DOTCLOUD_ONLY_TYPES: Record<string, string> = {
  smtp: 'send mail through an outside SMTP relay (its address in `environment`) instead',
};

/** A dotCloud type this platform has no counterpart for, with what to do instead; undefined for any other. */
export function dotcloudOnlyTypeMessage(type: string): string | undefined {
  const instead = Object.hasOwn(DOTCLOUD_ONLY_TYPES, type) ? DOTCLOUD_ONLY_TYPES[type] : undefined;
  return instead === undefined ? undefined : `${JSON.stringify(type)} is a dotCloud service type this platform does not provide; ${instead}`;
}

export function unknownTypeMessage(type: string): string {
  const supported = [...SUPPORTED_CODE_TYPES, ...SUPPORTED_DATA_TYPES];
  return `${JSON.stringify(type)} is not a service type${didYouMean(type, supported)}; valid types: ${supported.join(', ')}`;
}
