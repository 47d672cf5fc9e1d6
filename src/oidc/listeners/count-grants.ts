import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { AlreadyConsumedError } from '../../../adapters/already-consumed-error.js';
import type { Metrics } from '../../observability/metrics.js';
import { grantTypeOf } from './grant-type-of.js';

// grant_type is a label: only values the provider accepted reach grant.success,
// so its cardinality is bounded by the enabled grant types.

/**
 * Tokens issued per grant type, and refresh token reuse: oidc-provider's own
 * detection ("refresh token already used", lib/actions/grants/refresh_token.js)
 * or the adapter's lost consume race (AlreadyConsumedError). Both revoke the
 * grant (RFC 9700 §4.14.2).
 */
export function listenGrantMetrics(provider: Provider, metrics: Pick<Metrics, 'tokensIssued' | 'refreshTokenReuse'>): void {
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    metrics.tokensIssued.inc({ grant_type: grantTypeOf(ctx) ?? 'unknown' });
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: unknown) => {
    if (grantTypeOf(ctx) !== 'refresh_token') return;
    const detail = (error as { error_detail?: unknown } | undefined)?.error_detail;
    if (error instanceof AlreadyConsumedError || detail === 'refresh token already used') metrics.refreshTokenReuse.inc();
  });
}
