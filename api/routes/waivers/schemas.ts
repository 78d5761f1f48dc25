import { z } from '@hono/zod-openapi';
import { dateTime, text } from '../../../services/schemas/fields.ts';
import { CONTROL_IDS } from '../../../workers/controls/index.ts';
import { Environment } from '../../../services/schemas/snapshot.ts';

/** A workload name, or a glob over names: `*` any run of characters, `?` one. */
export const WORKLOAD_GLOB = /^[A-Za-z0-9*?][A-Za-z0-9._\/:*?-]{0,199}$/;

export const CreateWaiver = z
  .object({
    control: z.enum(CONTROL_IDS).openapi({ description: 'The control whose `fail` the waiver turns into `waived`' }),
    workloads: z
      .string()
      .regex(WORKLOAD_GLOB, 'a workload name or a glob (`*` any run of characters, `?` one), up to 200 characters')
      .openapi({ example: 'checkout-*', description: 'A workload name, or a glob: `checkout-*`, `*` for all' }),
    environment: Environment.optional().openapi({ description: 'Only this environment; all when absent' }),
    justification: text()
      .trim()
      .min(10, 'say why the risk is accepted (at least 10 characters)')
      .max(2000)
      .openapi({ example: 'Seccomp profile breaks the JIT; vendor fix due in Q1, tracked in SEC-1234' }),
    expiresAt: dateTime()
      .openapi({ description: 'Required: in the future, at most WAIVER_MAX_DAYS (default 365) days ahead' }),
  })
  .openapi('CreateWaiver');

export const WaiverIdParam = z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) });
