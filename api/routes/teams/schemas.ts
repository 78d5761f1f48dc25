import { z } from '@hono/zod-openapi';
import { TeamSlug } from '../../../services/schemas/team.ts';

export const TeamParam = z.object({
  team: TeamSlug.openapi({ param: { name: 'team', in: 'path' } }),
});

export const Team = z
  .object({ id: z.string().uuid(), slug: z.string(), name: z.string(), createdAt: z.string() })
  .openapi('Team');
