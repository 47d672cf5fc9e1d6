import type { KoaContextWithOIDC } from 'oidc-provider';

/** The grant_type of a token request, once oidc-provider has parsed it. */
export function grantTypeOf(ctx: KoaContextWithOIDC): string | undefined {
  const value = (ctx.oidc?.params as { grant_type?: unknown } | undefined)?.grant_type;
  return typeof value === 'string' ? value : undefined;
}
