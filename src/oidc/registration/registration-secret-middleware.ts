import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { isClientSecretHash, type ClientSecretVerifier } from '../../clients/client-secret.js';

const BODY_LIMIT = 56 * 1024;

async function readJson(req: NodeJS.ReadableStream): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new Error('request entity too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

async function holdsRegistrationToken(provider: Provider, authorization: string, clientId: string): Promise<boolean> {
  const match = /^Bearer ([\x21-\x7E]{1,512})$/i.exec(authorization);
  if (!match) return false;
  const token = await provider.RegistrationAccessToken.find(match[1]);
  return token?.clientId === clientId;
}

/**
 * Client secrets are stored hashed, which oidc-provider's client
 * configuration endpoint (RFC 7592) does not expect: it would echo the hash on
 * read and compare the presented secret to the hash on update. This keeps the
 * hash out of responses and checks an update's client_secret against it.
 */
export function createRegistrationSecretMiddleware(provider: Provider, verifier: ClientSecretVerifier, registrationPath = '/reg'): Middleware {
  const prefix = `${registrationPath}/`;
  return async (ctx, next) => {
    if (!ctx.path.startsWith(prefix)) return next();
    if (ctx.method === 'PUT' && ctx.is('application/json')) {
      let body: Record<string, unknown>;
      try {
        body = await readJson(ctx.req) as Record<string, unknown>;
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
      } catch {
        // RFC 7592 §2.2 answers bad metadata as RFC 7591 §3.2.2 does.
        throw new errors.InvalidClientMetadata('client update request must be a JSON object');
      }
      const clientId = safeDecode(ctx.path.slice(prefix.length));
      // Only a caller holding this client's registration access token gets to
      // learn whether a secret matches; anyone else meets oidc-provider's 401.
      if ('client_secret' in body && await holdsRegistrationToken(provider, ctx.get('authorization'), clientId)) {
        const client = await provider.Client.find(clientId);
        const stored = client?.clientSecret ?? '';
        if (!client || typeof body.client_secret !== 'string' || !(await verifier.verify(body.client_secret, stored))) {
          throw new errors.InvalidRequest("provided client_secret does not match the authenticated client's one");
        }
      }
      delete body.client_secret;
      (ctx.request as unknown as { body: unknown }).body = body;
    }
    await next();
    const response = ctx.body as Record<string, unknown> | undefined;
    if (response && typeof response.client_secret === 'string' && isClientSecretHash(response.client_secret)) {
      delete response.client_secret;
    }
    return undefined;
  };
}
