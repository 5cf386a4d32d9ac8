// What a handler sees besides its payload, and the async scope that carries it: publishing inside a
// handler (on any bus of this process) inherits the handled event's correlation id and trace, and
// takes its id as the causation id. Scope is AsyncLocalStorage, so it follows awaits, not call sites.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface EventContext<TType extends string = string> {
  id: string;
  type: TType;
  source: string;
  /** RFC 3339, as published. */
  time: string;
  subject: string | undefined;
  key: string | undefined;
  /** The version the event was published with (the handler's data is always upcast to the latest). */
  version: number;
  correlationId: string;
  causationId: string | undefined;
  traceparent: string | undefined;
  /** 1 on the first delivery. */
  attempt: number;
  group: string;
}

export interface HandlingScope {
  eventId: string;
  correlationId: string;
  traceparent: string | undefined;
}

export const handlingScope = new AsyncLocalStorage<HandlingScope>();
