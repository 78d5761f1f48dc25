import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../env.ts';

const Jwk = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().openapi({ description: 'The public key, base64url' }),
    kid: z.string().openapi({ description: 'RFC 7638 thumbprint; the `keyid` of DSSE signatures' }),
    alg: z.literal('EdDSA'),
    use: z.literal('sig'),
  })
  .openapi('Jwk');

const route = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  summary: 'The public keys that verify signed attestations (JWKS, RFC 7517; no auth)',
  description: 'Empty `keys` when no signing key is configured.',
  tags: ['attestations'],
  security: [],
  responses: { 200: { description: 'The key set', content: { 'application/json': { schema: z.object({ keys: z.array(Jwk) }).openapi('Jwks') } } } },
});

export function register(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    const signer = c.var.deps.signer;
    c.header('cache-control', 'public, max-age=300');
    return c.json({ keys: signer ? [signer.publicJwk] : [] }, 200);
  });
}
