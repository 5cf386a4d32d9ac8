// defineEvent: one declaration per event type — its name, latest version, a Standard Schema
// validator, upcasters from older versions and the ordering key. Publishing validates against the
// latest schema; consuming upcasts version by version (n -> n+1) and then validates, so handlers
// only ever see data of the latest version. Invariant: a decoded payload always passed the schema.

import { EddyError } from '../errors.ts';
import type { InferInput, InferOutput, StandardIssue, StandardResult, StandardSchemaV1 } from './standard-schema.ts';

/** Turns the payload of version `n` into version `n + 1`; the last step's result is validated. */
export type Upcaster = (data: Readonly<Record<string, unknown>>) => unknown;

export interface EventOptions<S extends StandardSchemaV1> {
  /** The latest version (a positive integer); what `publish` writes. */
  version: number;
  schema: S;
  /** `upcast[n]` maps a version-n payload to version n+1, for every n below `version` still in the log. */
  upcast?: Readonly<Record<number, Upcaster>>;
  /** Partition / ordering key: events with the same key are handled in order. */
  key?: (data: InferOutput<S>) => string;
  /** The topic the event is stored in; default: the event type. */
  topic?: string;
}

export interface EventDefinition<TType extends string = string, TIn = unknown, TOut = TIn> {
  readonly type: TType;
  readonly version: number;
  readonly topic: string;
  readonly schema: StandardSchemaV1<TIn, TOut>;
  readonly upcast: Readonly<Record<number, Upcaster>>;
  readonly keyOf: ((data: TOut) => string) | null;
}

/** Any event definition, whatever its payload types (for lists and registries). */
export interface AnyEventDefinition {
  readonly type: string;
  readonly version: number;
  readonly topic: string;
  readonly schema: StandardSchemaV1;
  readonly upcast: Readonly<Record<number, Upcaster>>;
  // Method syntax keeps this bivariant, so every EventDefinition is assignable here.
  keyOf: { bivarianceHack(data: never): string }['bivarianceHack'] | null;
}

/** The payload `publish` takes (unknown for an untyped AnyEventDefinition). */
export type EventInput<E> = E extends EventDefinition<string, infer I, infer _O> ? I : unknown;
/** The payload a handler receives: validated and upcast to the latest version. */
export type EventOutput<E> = E extends EventDefinition<string, infer _I, infer O> ? O : unknown;

const TYPE_RE = /^[A-Za-z0-9._-]{1,200}$/;

export function defineEvent<const TType extends string, S extends StandardSchemaV1>(
  type: TType,
  options: EventOptions<S>,
): EventDefinition<TType, InferInput<S>, InferOutput<S>> {
  if (!TYPE_RE.test(type)) throw new EddyError('sdk.invalid_options', `event type "${type}" must be 1..200 of [A-Za-z0-9._-]`);
  if (!Number.isSafeInteger(options.version) || options.version < 1) throw new EddyError('sdk.invalid_options', `${type}: version must be a positive integer`);
  if (typeof options.schema?.['~standard']?.validate !== 'function') throw new EddyError('sdk.invalid_options', `${type}: schema must implement Standard Schema v1 (~standard)`);
  const topic = options.topic ?? type;
  if (!TYPE_RE.test(topic)) throw new EddyError('sdk.invalid_options', `${type}: topic "${topic}" must be 1..200 of [A-Za-z0-9._-]`);
  const upcast = { ...(options.upcast ?? {}) };
  for (const k of Object.keys(upcast)) {
    const v = Number(k);
    if (!Number.isSafeInteger(v) || v < 1 || v >= options.version) throw new EddyError('sdk.invalid_options', `${type}: upcast key ${k} must be a version in [1, ${options.version - 1}]`);
  }
  return Object.freeze({
    type,
    version: options.version,
    topic,
    schema: options.schema as StandardSchemaV1<InferInput<S>, InferOutput<S>>,
    upcast: Object.freeze(upcast),
    keyOf: options.key ?? null,
  });
}

function describeIssues(issues: ReadonlyArray<StandardIssue>): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const path = (i.path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** Validates `data` against the latest schema; EddyError 'sdk.validation_failed' with the issues. */
export async function validateEvent<TIn, TOut>(def: EventDefinition<string, TIn, TOut>, data: unknown): Promise<TOut> {
  return validateNow(def, data);
}

/** Upcasts a stored payload of `version` to the latest, then validates it. */
export async function decodeEvent<TIn, TOut>(def: EventDefinition<string, TIn, TOut>, data: unknown, version: number): Promise<TOut> {
  return decodeNow(def, data, version);
}

/**
 * validateEvent without a promise when the validator answers synchronously (zod, valibot and most
 * Standard Schema validators do): the publish and handling paths call it per event. Throws (or
 * rejects, for an asynchronous validator) as validateEvent rejects.
 */
export function validateNow<TIn, TOut>(def: EventDefinition<string, TIn, TOut>, data: unknown): TOut | Promise<TOut> {
  const r = def.schema['~standard'].validate(data);
  return r instanceof Promise ? r.then((x) => validated(def, x)) : validated(def, r);
}

function validated<TIn, TOut>(def: EventDefinition<string, TIn, TOut>, r: StandardResult<TOut>): TOut {
  if (r.issues) {
    throw new EddyError('sdk.validation_failed', `${def.type} v${def.version}: ${describeIssues(r.issues)}`, { type: def.type, version: def.version, issues: r.issues.slice(0, 20).map((i) => i.message) });
  }
  return r.value;
}

/** decodeEvent without a promise when the validator answers synchronously (see validateNow). */
export function decodeNow<TIn, TOut>(def: EventDefinition<string, TIn, TOut>, data: unknown, version: number): TOut | Promise<TOut> {
  if (!Number.isSafeInteger(version) || version < 1 || version > def.version) {
    throw new EddyError('sdk.unknown_version', `${def.type}: version ${version} is not in [1, ${def.version}]`, { type: def.type, version });
  }
  let current = data;
  for (let v = version; v < def.version; v++) {
    const step = def.upcast[v];
    if (!step) throw new EddyError('sdk.unknown_version', `${def.type}: no upcaster from version ${v} to ${v + 1}`, { type: def.type, version: v });
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      throw new EddyError('sdk.validation_failed', `${def.type}: version ${v} payload must be an object to upcast`, { type: def.type, version: v });
    }
    current = step(current as Readonly<Record<string, unknown>>);
  }
  return validateNow(def, current);
}
