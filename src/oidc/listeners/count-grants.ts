import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Metrics } from '../../observability/metrics.js';
import { grantTypeOf } from './grant-type-of.js';
import type { Replay } from './replay.js';

// grant_type is a label: only values the provider accepted reach grant.success,
// so its cardinality is bounded by the enabled grant types.

/**
 * Tokens issued per grant type, and refresh token reuse: oidc-provider's own
 * detection or the adapter's lost consume race (replay.ts). Both revoke the
 * grant (RFC 9700 §4.14.2). Registered by register-listeners.ts.
 */
export function createGrantMetrics(metrics: Pick<Metrics, 'tokensIssued' | 'refreshTokenReuse'>) {
  return {
    grantSuccess(ctx: KoaContextWithOIDC): void {
      metrics.tokensIssued.inc({ grant_type: grantTypeOf(ctx) ?? 'unknown' });
    },
    replay(replay: Replay): void {
      if (replay.grantType === 'refresh_token') metrics.refreshTokenReuse.inc();
    },
  };
}

