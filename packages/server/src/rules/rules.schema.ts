// Request and response shapes of the rules domain (one schema per endpoint feeds the OpenAPI document).
import Type, { type Static } from 'typebox';
import { Condition, Schedule } from './condition.js';

export const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Level = Type.Enum(['minor', 'moderate', 'severe', 'extreme']);

const Polygon = Type.Object({
  type: Type.Literal('Polygon'),
  coordinates: Type.Array(
    Type.Array(Type.Array(Type.Number(), { minItems: 2, maxItems: 3 }), { minItems: 4 }),
  ),
});
const MultiPolygon = Type.Object({
  type: Type.Literal('MultiPolygon'),
  coordinates: Type.Array(
    Type.Array(Type.Array(Type.Array(Type.Number(), { minItems: 2, maxItems: 3 }), { minItems: 4 })),
  ),
});
export const Area = Type.Union([Polygon, MultiPolygon]);

export const RuleActions = Type.Object(
  {
    /** A measure: a task for a team in the work inbox, at the sensor's location. */
    task: Type.Optional(
      Type.Object(
        {
          title: Type.String({ minLength: 3, maxLength: 200 }),
          teamId: Type.Optional(Type.String({ format: 'uuid' })),
          priority: Type.Optional(Type.Enum(['low', 'normal', 'high', 'urgent'])),
        },
        { additionalProperties: false },
      ),
    ),
    /** Staff to tell by e-mail when the alert opens and resolves. */
    email: Type.Optional(Type.Array(Type.String({ format: 'email', maxLength: 200 }), { maxItems: 20 })),
    /** A signed webhook (HMAC-SHA256 with this secret) on alert.opened and alert.resolved. */
    webhook: Type.Optional(
      Type.Object(
        {
          url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }),
          secret: Type.String({ minLength: 16, maxLength: 200 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** A public warning while the alert is open (ends when it resolves, or after validHours). */
    warning: Type.Optional(
      Type.Object(
        {
          level: Level,
          title: Type.String({ minLength: 3, maxLength: 200 }),
          text: Type.String({ minLength: 1, maxLength: 5000 }),
          areaDescription: Type.Optional(Type.String({ maxLength: 500 })),
          /** The warned area; without it, a circle of radiusMetres around the sensor's Thing, else the
           * municipality's boundary (participation). */
          area: Type.Optional(Area),
          radiusMetres: Type.Optional(Type.Integer({ minimum: 50, maximum: 50_000 })),
          validHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 14 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** When nobody acknowledged the alert within afterMinutes, these people get an e-mail. */
    escalation: Type.Optional(
      Type.Object(
        {
          afterMinutes: Type.Integer({ minimum: 1, maximum: 7 * 1440 }),
          email: Type.Array(Type.String({ format: 'email', maxLength: 200 }), { minItems: 1, maxItems: 20 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type RuleActions = Static<typeof RuleActions>;

export const RuleInput = Type.Object(
  {
    name: Type.String({ minLength: 3, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    enabled: Type.Optional(Type.Boolean()),
    shared: Type.Optional(Type.Boolean()),
    severity: Type.Optional(Level),
    condition: Condition,
    schedule: Type.Optional(Nullable(Schedule)),
    actions: Type.Optional(RuleActions),
    dampingMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
  },
  { additionalProperties: false },
);
export type RuleInput = Static<typeof RuleInput>;

export const RuleView = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  name: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  shared: Type.Boolean(),
  severity: Level,
  condition: Condition,
  schedule: Nullable(Schedule),
  /** The webhook secret is never shown again; `webhook.secret` reads '********'. */
  actions: RuleActions,
  dampingMinutes: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const AlertStatus = Type.Enum(['open', 'acknowledged', 'resolved']);
export const AlertView = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  ruleId: Type.String(),
  ruleName: Type.String(),
  subject: Type.String(),
  status: AlertStatus,
  severity: Level,
  title: Type.String(),
  message: Type.String(),
  value: Nullable(Type.Number()),
  openedAt: Type.String(),
  acknowledgedAt: Nullable(Type.String()),
  acknowledgedBy: Nullable(Type.String()),
  escalatedAt: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String()),
  resolvedBy: Nullable(Type.String()),
  resolution: Nullable(Type.Enum(['cleared', 'task_done', 'manual'])),
  reopenCount: Type.Integer(),
  taskId: Nullable(Type.String()),
});

/** The contract with the dashboard (see /work/briefs/contracts.md): additive fields only. */
export const PublicWarningView = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  municipalityName: Type.String(),
  level: Level,
  title: Type.String(),
  text: Type.String(),
  areaDescription: Nullable(Type.String()),
  area: Nullable(Area),
  validFrom: Type.String(),
  validUntil: Nullable(Type.String()),
  updatedAt: Type.String(),
});

export const WarningInput = Type.Object(
  {
    level: Level,
    title: Type.String({ minLength: 3, maxLength: 200 }),
    text: Type.String({ minLength: 1, maxLength: 5000 }),
    areaDescription: Type.Optional(Type.String({ maxLength: 500 })),
    area: Type.Optional(Area),
    validFrom: Type.Optional(Type.String({ format: 'date-time' })),
    validUntil: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type WarningInput = Static<typeof WarningInput>;

export const PushSubscriptionInput = Type.Object(
  {
    endpoint: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }),
    keys: Type.Object(
      {
        p256dh: Type.String({ minLength: 20, maxLength: 200 }),
        auth: Type.String({ minLength: 8, maxLength: 100 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: true },
);
