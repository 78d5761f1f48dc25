import { z } from '@hono/zod-openapi';
import { text } from '../../../services/schemas/fields.ts';
import type { AttemptRow, DeliveryRow, WebhookRow } from '../../../db/queries/webhooks.ts';
import { EVENT_TYPES } from '../../../services/notifications.ts';

export const WebhookEvent = z.enum(EVENT_TYPES).openapi('WebhookEvent', {
  description:
    '`level.regressed`: a workload no longer meets a level it met (with the team\'s counts); ' +
    '`evidence.missing`: a control decided before is `unknown` now; `waiver.expiring`: a waiver lapses within 7 days',
});

export const CreateWebhook = z
  .object({
    url: text().max(2000).openapi({
      example: 'https://hooks.example.com/csvs',
      description:
        'https only; http://localhost, 127.0.0.1 or [::1] and private addresses only with WEBHOOK_ALLOW_PRIVATE=true (development). No credentials in the URL.',
    }),
    events: z
      .array(WebhookEvent)
      .min(1)
      .max(EVENT_TYPES.length)
      .refine((a) => new Set(a).size === a.length, 'each event at most once')
      .optional()
      .openapi({ description: 'The events to receive; all when absent' }),
    reevaluations: z
      .boolean()
      .optional()
      .openapi({ description: 'Also receive events caused by re-evaluating stored snapshots with a new engine (`cause: "re-evaluation"`); default false' }),
    description: text().trim().max(500).optional(),
  })
  .openapi('CreateWebhook');

export const Webhook = z
  .object({
    id: z.string().uuid(),
    team: z.string(),
    url: z.string().openapi({ description: 'The whole URL for admins and auditors; for viewers only its origin (paths may carry tokens)' }),
    events: z.array(WebhookEvent),
    reevaluations: z.boolean(),
    description: z.string().nullable(),
    createdBy: z.string().openapi({ description: 'The id of the API key that registered it' }),
    createdAt: z.string(),
  })
  .openapi('Webhook');
export type Webhook = z.infer<typeof Webhook>;

export const CreatedWebhook = Webhook.extend({
  secret: z.string().openapi({
    description: 'The signing secret (X-CSVS-Signature), shown this once: store it with the receiver. To change it, register anew and delete the old webhook.',
  }),
}).openapi('CreatedWebhook');

export const WebhookIdParam = z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const DeliveryAttempt = z
  .object({
    attempt: z.number().int(),
    at: z.string(),
    statusCode: z.number().int().nullable().openapi({ description: "The receiver's HTTP status; null when none came" }),
    error: z.string().nullable().openapi({ description: 'Why the attempt failed (non-2xx, timeout, connection error); null on success' }),
    durationMs: z.number().int(),
  })
  .openapi('DeliveryAttempt');

export const Delivery = z
  .object({
    id: z.string().uuid().openapi({ description: 'The X-CSVS-Delivery header' }),
    event: WebhookEvent,
    status: z.enum(['pending', 'delivered', 'failed', 'cancelled']).openapi({
      description: '`failed`: given up after WEBHOOK_MAX_ATTEMPTS; `cancelled`: the webhook was deleted first',
    }),
    attempts: z.number().int(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    nextAttemptAt: z.string().nullable().openapi({ description: 'When the next attempt is due, while pending' }),
    payload: z.record(z.string(), z.unknown()).openapi({ description: 'The JSON body sent (see docs/webhooks.md)' }),
    log: z.array(DeliveryAttempt),
  })
  .openapi('Delivery');

/** A webhook as the API shows it; `fullUrl` false for viewers (the origin only). */
export function webhookView(row: WebhookRow, teamSlug: string, fullUrl: boolean): Webhook {
  return {
    id: row.id,
    team: teamSlug,
    url: fullUrl ? row.url : new URL(row.url).origin,
    events: row.events.filter((e): e is Webhook['events'][number] => (EVENT_TYPES as readonly string[]).includes(e)),
    reevaluations: row.reevaluations,
    description: row.description,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A delivery with its attempt log as the API shows it; the stored body becomes `payload`. */
export function deliveryView(row: DeliveryRow & { log: AttemptRow[] }): z.infer<typeof Delivery> {
  const payload: unknown = JSON.parse(row.body);
  return {
    id: row.id,
    event: WebhookEvent.parse(row.event),
    status: row.status,
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    payload: payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {},
    log: row.log.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
  };
}
