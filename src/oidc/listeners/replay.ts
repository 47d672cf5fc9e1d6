import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { AlreadyConsumedError } from '../../../adapters/already-consumed-error.js';
import { revokeGrant } from '../grants/revoke-grant.js';
import { grantTypeOf } from './grant-type-of.js';

/** A token request that presented a code or refresh token already spent. */
export interface Replay {
  grantType: string | undefined;
  /** The grant the spent credential belonged to; known when the adapter caught the replay. */
  grantId: string | undefined;
  /**
   * true: two requests raced and the adapter let exactly one consume
   * (AlreadyConsumedError), so the replay is ours to revoke. false:
   * oidc-provider saw a spent refresh token itself
   * (lib/actions/grants/refresh_token.js) and revokes on its own,
   * emitting grant.revoked.
   */
  concurrent: boolean;
}

/** The one test for a replay on a grant.error event. */
export function replayOf(ctx: KoaContextWithOIDC, error: unknown): Replay | undefined {
  const grantType = grantTypeOf(ctx);
  if (error instanceof AlreadyConsumedError) return { grantType, grantId: error.grantId, concurrent: true };
  const detail = (error as { error_detail?: unknown } | undefined)?.error_detail;
  if (detail === 'refresh token already used') return { grantType, grantId: undefined, concurrent: false };
  return undefined;
}

// RFC 8628 defines no replay rule for device codes: a device polling twice at
// once is not an attack, and revoking would take the tokens away from the
// poll that won (device-flow/spent-device-code.ts has the measured case).
const GRANTS_WITHOUT_REPLAY_REVOCATION = new Set(['urn:ietf:params:oauth:grant-type:device_code']);

/**
 * When two requests race to redeem one code or refresh token, the loser is a
 * replay like any other (RFC 6749 §4.1.2, RFC 9700 §4.14.2): the grant and
 * every token issued under it are revoked, as oidc-provider does for a
 * replay it detects itself. (Within a client's refresh-token reuse leeway the
 * adapter lets the repeat consume succeed: no error, nothing revoked.)
 *
 * `hold` keeps the loser's answer until the revocation is done, so once a
 * client has seen invalid_grant the family is already gone on every
 * instance, not "soon".
 */
export function createReplayRevocation(provider: Provider, onError: (err: unknown) => void): {
  revoke(ctx: KoaContextWithOIDC, replay: Replay): void;
  hold: Middleware;
} {
  const pending = new WeakMap<object, Promise<void>>();
  return {
    revoke(ctx, { concurrent, grantId, grantType }) {
      if (!concurrent || !grantId || (grantType && GRANTS_WITHOUT_REPLAY_REVOCATION.has(grantType))) return;
      pending.set(ctx, revokeGrant(provider, grantId).catch(onError));
    },
    hold: async (ctx, next) => {
      await next();
      await pending.get(ctx);
    },
  };
}
