import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { ClientSecretVerifier } from '../../clients/client-secret.js';

type SecretMethod = 'client_secret_basic' | 'client_secret_post';

/** Where the presented secret came from: the form body (client_secret_post) or the Basic header. */
function methodUsed(ctx: KoaContextWithOIDC | undefined): SecretMethod | undefined {
  if (!ctx) return undefined;
  if (typeof ctx.oidc?.params?.client_secret === 'string') return 'client_secret_post';
  return ctx.headers.authorization !== undefined ? 'client_secret_basic' : undefined;
}

/**
 * Replaces oidc-provider's Client#compareClientSecret, the one place it
 * compares a presented secret (lib/shared/client_auth.js), for two reasons:
 * - secrets are stored as hashes (clients/client-secret.ts), so the plain
 *   comparison becomes hash verification;
 * - a client authenticates only with the method it registered (RFC 7591 §2
 *   token_endpoint_auth_method; OpenID Connect Registration §2). oidc-provider
 *   treats client_secret_basic and client_secret_post as interchangeable, so
 *   the method is checked here, on the request being served (oidc-provider's
 *   AsyncLocalStorage context, Provider.ctx), before any hashing: a secret sent
 *   the other way answers invalid_client (RFC 6749 §5.2).
 */
export function installClientSecretCheck(provider: Provider, verifier: ClientSecretVerifier): void {
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(
    this: { clientSecret?: string; clientAuthMethod?: string },
    actual: string,
  ): Promise<boolean> {
    const used = methodUsed((Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx);
    if (used && this.clientAuthMethod !== used) {
      throw new errors.InvalidClientAuth(`the client is registered for ${this.clientAuthMethod}, and the secret was sent with ${used}`);
    }
    return verifier.verify(actual, this.clientSecret ?? '');
  };
}
