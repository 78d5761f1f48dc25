import { z } from '@hono/zod-openapi';

export const TEAM_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TeamSlug = z
  .string()
  .regex(TEAM_SLUG, 'lowercase letters, digits and "-", 1–63 characters, starting with a letter or digit')
  .openapi({ example: 'payments' });

export const TeamParam = z.object({
  team: TeamSlug.openapi({ param: { name: 'team', in: 'path' } }),
});

export const Team = z
  .object({ id: z.string().uuid(), slug: z.string(), name: z.string(), createdAt: z.string() })
  .openapi('Team');
