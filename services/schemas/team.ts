import { z } from '@hono/zod-openapi';

/** A team's slug: what paths, keys and the dashboard name a team by. */
export const TEAM_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TeamSlug = z
  .string()
  .regex(TEAM_SLUG, 'lowercase letters, digits and "-", 1–63 characters, starting with a letter or digit')
  .openapi({ example: 'payments' });
