import { Type, type Static } from '@sinclair/typebox'
import { DATE_PATTERN } from '../release/dates.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

const DateText = Type.String({ pattern: DATE_PATTERN })

const Platform = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' })

export const RuleFieldsSchema = Type.Object({
  platform: Type.Optional(Nullable(Platform)),
  range: Type.String({ minLength: 1, maxLength: 200 }),
  status: Type.Union([Type.Literal('supported'), Type.Literal('deprecated'), Type.Literal('retired')]),
  deprecation_date: Type.Optional(Nullable(DateText)),
  sunset_date: Type.Optional(Nullable(DateText)),
  message: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  upgrade_url: Type.Optional(Nullable(Type.String({ format: 'uri', maxLength: 2048 })))
}, { additionalProperties: false })

export const RulePatchSchema = Type.Partial(RuleFieldsSchema, { additionalProperties: false })

export const ReleaseFieldsSchema = Type.Object({
  platform: Type.Optional(Nullable(Platform)),
  version: Type.String({ minLength: 1, maxLength: 64 }),
  released_at: Type.Optional(Nullable(DateText))
}, { additionalProperties: false })

// Id columns are PostgreSQL integers.
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) })
export const AuditQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) })
/** How many app versions a listing gives, busiest first: clients can make up versions by the thousand. */
const ListLimit = Type.Integer({ minimum: 1, maximum: 10000, default: 500 })
export const UsageQuery = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 366, default: 7 }), limit: ListLimit })
export const VersionsQuery = Type.Object({ limit: ListLimit })
/** The traffic a rule is previewed on: the last 30 days, as "in use" is judged. */
export const PreviewQuery = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 366, default: 30 }) })
export const TrendQuery = Type.Object({
  range: Type.String({ minLength: 1, maxLength: 200 }),
  platform: Type.Optional(Type.String({ maxLength: 32 })),
  days: Type.Integer({ minimum: 1, maximum: 366, default: 30 })
})
/** Usage per day for the page's stacked charts: the `top` busiest app versions by name, the rest as one. */
export const DailyUsageQuery = Type.Object({
  days: Type.Integer({ minimum: 1, maximum: 366, default: 7 }),
  top: Type.Integer({ minimum: 1, maximum: 20, default: 8 })
})
export const RouteUsageQuery = Type.Object({
  days: Type.Integer({ minimum: 1, maximum: 366, default: 7 }),
  contract: Type.Optional(Type.String({ minLength: 1, maxLength: 64 }))
})

export type RuleFieldsInput = Static<typeof RuleFieldsSchema>
export type RulePatchInput = Static<typeof RulePatchSchema>
export type ReleaseFieldsInput = Static<typeof ReleaseFieldsSchema>
