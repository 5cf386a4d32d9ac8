// OpenTelemetry spans of the event bus, through @opentelemetry/api only: without an SDK installed the
// tracer is a no-op and envelopes keep the plain W3C traceparent chain (envelope.ts). With one, each
// publish is a PRODUCER span whose context goes out in the `traceparent` extension, and each
// handling is a CONSUMER span that is a child of it, so publish -> handle -> publish forms one trace.
// traceparent is written and parsed here (W3C Trace Context level 1), not by the global propagator,
// so the link holds whatever propagators the application registered.

import { INVALID_SPAN_CONTEXT, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Attributes, type Context, type Span, type SpanContext, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { Envelope } from './envelope.ts';

const tracerName = 'eddy';

/** The API's no-op provider: what a ProxyTracerProvider delegates to until an SDK registers one. */
const noopProvider = new ProxyTracerProvider().getDelegate();
/** The span of a publish when nothing records (ending it does nothing). */
const nonRecordingSpan = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const traceparentRe = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** The span context a `traceparent` carries (remote), or undefined if absent, malformed or all-zero. */
export function parseTraceparent(tp: string | undefined): SpanContext | undefined {
  if (tp === undefined) return undefined;
  const m = traceparentRe.exec(tp.trim().toLowerCase());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return { traceId: m[2]!, spanId: m[3]!, traceFlags: Number.parseInt(m[4]!, 16) & 0xff, isRemote: true };
}

export function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

function attributesOf(env: Envelope, topic: string): Attributes {
  const a: Attributes = {
    'messaging.system': 'eddy',
    'messaging.destination.name': topic,
    'messaging.message.id': env.id,
    'cloudevents.event_id': env.id,
    'cloudevents.event_type': env.type,
    'cloudevents.event_source': env.source,
    'cloudevents.event_spec_version': env.specversion,
  };
  if (env.subject !== undefined) a['cloudevents.event_subject'] = env.subject;
  if (env.partitionkey !== undefined) a['messaging.kafka.message.key'] = env.partitionkey;
  return a;
}

export class BusTracing {
  readonly #provider: TracerProvider | undefined;
  #tracer: Tracer | undefined;

  /** provider: a TracerProvider for this bus only; default the global one (a no-op without an SDK). */
  constructor(provider?: TracerProvider) {
    this.#provider = provider;
  }

  get tracer(): Tracer {
    // The global tracer is a proxy that follows a provider registered later; a given one is fixed.
    return (this.#tracer ??= (this.#provider ?? trace).getTracer(tracerName));
  }

  /**
   * False while no SDK is installed (the provider is, or delegates to, the API's no-op): every span
   * would be a non-recording one, so the per-event span work (traceparent parsing, attributes, the
   * API's own span-context checks) is skipped. Checked per event, so an SDK registered later counts.
   */
  get #mayRecord(): boolean {
    const p = this.#provider ?? trace.getTracerProvider();
    return p !== noopProvider && !(p instanceof ProxyTracerProvider && p.getDelegate() === noopProvider);
  }

  /**
   * Starts the publish span of one envelope: its parent is the active span if there is one, else the
   * handled event's trace (`scopeTraceparent`, inside a handler). Returns the span and the
   * traceparent to send, or undefined when the span records nothing (no SDK): keep the plain chain.
   */
  startPublish(env: Envelope, topic: string, scopeTraceparent: string | undefined): { span: Span; traceparent: string | undefined } {
    if (!this.#mayRecord) return { span: nonRecordingSpan, traceparent: undefined };
    const active = context.active();
    let parent: Context = active;
    if (trace.getSpanContext(active) === undefined) {
      const sc = parseTraceparent(scopeTraceparent);
      parent = sc ? trace.setSpanContext(active, sc) : active;
    }
    const span = this.tracer.startSpan(`publish ${topic}`, { kind: SpanKind.PRODUCER, attributes: { ...attributesOf(env, topic), 'messaging.operation.type': 'send' } }, parent);
    return { span, traceparent: span.isRecording() ? formatTraceparent(span.spanContext()) : undefined };
  }

  /**
   * Starts the handling span of a delivery as a child of the publish span named by the envelope's
   * traceparent (a new root if it has none). `context` runs the handler with the span active;
   * `traceparent` is what publishes inside the handler continue from. Undefined when no SDK is
   * installed: the handler then runs without a span and publishes continue the envelope's chain.
   */
  startHandle(env: Envelope, topic: string, group: string, attempt: number): { span: Span; context: Context; traceparent: string | undefined } | undefined {
    if (!this.#mayRecord) return undefined;
    const sc = parseTraceparent(env.traceparent);
    const parent = sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      `process ${topic}`,
      { kind: SpanKind.CONSUMER, attributes: { ...attributesOf(env, topic), 'messaging.operation.type': 'process', 'messaging.consumer.group.name': group, 'eddy.delivery.attempt': attempt } },
      parent,
    );
    const recording = span.isRecording();
    return { span, context: trace.setSpan(parent, span), traceparent: recording ? formatTraceparent(span.spanContext()) : env.traceparent };
  }
}

/** Ends a span, with the error (if any) recorded as an exception and an ERROR status. */
export function endSpan(span: Span, error?: unknown, attributes?: Attributes): void {
  if (attributes) span.setAttributes(attributes);
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}
