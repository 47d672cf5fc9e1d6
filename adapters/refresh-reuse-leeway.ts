import type { AdapterPayload } from './adapter-types.js';

/**
 * Seconds after its first consume during which an entity may be consumed
 * again, decided when it is saved (0: never). Only refresh tokens get one: a
 * client may opt into a reuse leeway (client metadata `refresh_reuse_leeway`,
 * src/clients/) so that a refresh retried after a lost answer, or two tabs
 * refreshing at once, rotates again instead of revoking the family. The
 * default stays RFC 9700 §4.14.2: any reuse revokes.
 */
export type ReuseLeeway = (model: string, payload: AdapterPayload) => number;

export const MAX_REUSE_LEEWAY_SECONDS = 60;

export const noReuseLeeway: ReuseLeeway = () => 0;

/** A whole number of seconds in 0..MAX_REUSE_LEEWAY_SECONDS; anything else is 0. */
export function reuseLeewaySeconds(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) return 0;
  return Math.min(value, MAX_REUSE_LEEWAY_SECONDS);
}

type RequestContext = { oidc?: { client?: object } } | undefined;

/**
 * The leeway of the client a refresh token is issued to, read from the request
 * oidc-provider is serving: refresh tokens are only saved at the token
 * endpoint, where the client is already loaded, so this costs no lookup, and
 * storing it with the token keeps find() and consume() to one statement each.
 * A client changed later applies its new leeway to tokens issued after.
 */
export function clientReuseLeeway(currentRequest: () => RequestContext): ReuseLeeway {
  return (model) => {
    if (model !== 'RefreshToken') return 0;
    const client = currentRequest()?.oidc?.client as { refresh_reuse_leeway?: unknown } | undefined;
    return reuseLeewaySeconds(client?.refresh_reuse_leeway);
  };
}
