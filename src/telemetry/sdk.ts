import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler,
  type Sampler
} from '@opentelemetry/sdk-trace-base'
import type { FastifyBaseLogger } from 'fastify'
import type { SamplerName, TracingConfig } from './config.js'

function samplerOf (name: SamplerName, ratio: number): Sampler {
  const root = name.endsWith('always_on') ? new AlwaysOnSampler() : name.endsWith('always_off') ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(ratio)
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root
}

/**
 * The SDK's tracer provider, built from the gateway's config rather than from the environment
 * (the SDK's own defaults would read process.env): every setting is one the config schema lists.
 * Spans are batched and exported over OTLP/HTTP; `shutdown()` exports what is left.
 */
export function tracerProvider (config: TracingConfig): BasicTracerProvider {
  const exporterOptions = { url: config.url, headers: config.headers }
  const exporter = config.protocol === 'http/json' ? new OtlpJsonExporter(exporterOptions) : new OtlpProtobufExporter(exporterOptions)
  const resource = defaultResource().merge(resourceFromAttributes({
    // Tells apart the instances behind one load balancer; the configured attributes win.
    'service.instance.id': randomUUID(),
    'host.name': hostname(),
    ...config.resource
  }))
  return new BasicTracerProvider({
    resource,
    sampler: samplerOf(config.sampler, config.samplerRatio),
    spanProcessors: [new BatchSpanProcessor(exporter)]
  })
}

/**
 * OpenTelemetry's own diagnostics (an export the collector refused, or that never reached it) in
 * the gateway's log, as warnings: otherwise they would go nowhere.
 */
export function diagnosticsTo (log: FastifyBaseLogger): { logger: DiagLogger, level: DiagLogLevel } {
  const warn = (message: string, ...args: unknown[]) => {
    const err = args.find((arg) => arg instanceof Error)
    log.warn(err === undefined ? {} : { err }, `opentelemetry: ${message}`)
  }
  const ignore = () => {}
  return { logger: { error: warn, warn, info: ignore, debug: ignore, verbose: ignore }, level: DiagLogLevel.WARN }
}
