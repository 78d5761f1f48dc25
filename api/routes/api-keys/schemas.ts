import { z } from '@hono/zod-openapi';
import { text } from '../../../services/schemas/fields.ts';
import { ROLES } from '../../env.ts';
import { TeamSlug } from '../../../services/schemas/team.ts';

export const Role = z.enum(ROLES).openapi('Role');

export const CreateApiKey = z
  .object({
    role: Role,
    team: TeamSlug.optional().openapi({ description: 'Required for ingest and viewer keys; not allowed for others' }),
    name: text().trim().min(1).max(200),
  })
  .openapi('CreateApiKey');

export const ApiKey = z
  .object({
    id: z.string().uuid(),
    prefix: z.string(),
    role: Role,
    team: z.string().nullable(),
    name: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

export const CreatedApiKey = z
  .object({
    id: z.string().uuid(),
    key: z.string().openapi({ description: 'Shown once; only its hash is stored' }),
    prefix: z.string(),
    role: Role,
    team: z.string().nullable(),
    name: z.string(),
  })
  .openapi('CreatedApiKey');
