import type { KoaContextWithOIDC } from 'oidc-provider';

/** Claims the provider never asks consent for (lib/helpers/interaction_policy/prompts/consent.js). */
const UNASKED_CLAIMS = new Set(['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss']);

interface DeviceParams {
  scope?: unknown;
  claims?: unknown;
}

/** The device authorization request's parameters (lib/actions/code_verification.js puts the DeviceCode on ctx.oidc). */
function deviceParams(ctx: KoaContextWithOIDC): DeviceParams {
  const code = (ctx.oidc?.entities as { DeviceCode?: { params?: DeviceParams } } | undefined)?.DeviceCode;
  return code?.params ?? {};
}

/** The scopes the device asked for. */
export function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const { scope } = deviceParams(ctx);
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/**
 * The claims the device asked for by name (the `claims` parameter, OpenID
 * Connect Core §5.5), as the consent prompt would list them: the confirmation
 * page shows them so that it can stand for consent (device-consent.ts).
 */
export function requestedClaims(ctx: KoaContextWithOIDC): string[] {
  const { claims } = deviceParams(ctx);
  if (typeof claims !== 'string') return [];
  try {
    const parsed = JSON.parse(claims) as { userinfo?: unknown; id_token?: unknown };
    const names = [parsed.userinfo, parsed.id_token].flatMap((part) => (part && typeof part === 'object' ? Object.keys(part) : []));
    return [...new Set(names)].filter((name) => !UNASKED_CLAIMS.has(name));
  } catch {
    return [];
  }
}

/** True when a person is signed in to the browser confirming the code. */
export function isSignedIn(ctx: KoaContextWithOIDC): boolean {
  return Boolean(ctx.oidc?.session?.accountId);
}
