import type { Configuration } from 'oidc-provider';

type CorsClient = { clientAuthMethod: string; redirectUris: string[]; [key: string]: unknown };

function originsOf(client: CorsClient): string[] {
  const explicit = client.allowed_origins;
  if (Array.isArray(explicit)) return explicit as string[];
  return client.redirectUris.flatMap((uri) => {
    try {
      const { origin } = new URL(uri);
      return origin === 'null' ? [] : [origin];
    } catch {
      return [];
    }
  });
}

/**
 * Browser-based (public) clients call the token, revocation and userinfo
 * endpoints from their own origin: those origins get CORS, nothing else does.
 * Confidential clients talk server to server and never need it.
 */
export function buildCors(): Pick<Configuration, 'clientBasedCORS'> {
  return {
    clientBasedCORS(ctx, origin, client) {
      if (origin === 'null') return false;
      const corsClient = client as unknown as CorsClient;
      if (corsClient.clientAuthMethod !== 'none' && ctx.oidc.route !== 'userinfo') return false;
      return originsOf(corsClient).includes(origin);
    },
  };
}
