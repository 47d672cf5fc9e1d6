import type { Middleware } from 'koa';
import Provider, { type Adapter, type Configuration, type FindAccount } from 'oidc-provider';
import type { Config } from '../config/load-config.js';
import type { Logger } from '../observability/logger.js';
import { requestLogger } from '../observability/request-observer.js';
import { createClientSecretVerifier } from '../clients/client-secret.js';
import type { DevicePollTracker } from '../../adapters/device-poll-tracker.js';
import { buildClientMetadata } from './configuration/build-client-metadata.js';
import { buildClientPolicy } from './configuration/build-client-policy.js';
import { buildCookies } from './configuration/build-cookies.js';
import { buildCors } from './configuration/build-cors.js';
import { buildFeatures } from './configuration/build-features.js';
import { buildGrantLoading } from './configuration/build-grant-loading.js';
import { buildResourceIndicators } from './configuration/build-resource-indicators.js';
import { buildTtl } from './configuration/build-ttl.js';
import { createIntrospectionPolicy } from './live-token-policy.js';
import { createDevicePollMiddleware } from './device-flow/device-poll-middleware.js';
import { createUnsavedSessionGuard } from './device-flow/unsaved-session-guard.js';
import type { PrivateJwk } from './keys/load-signing-keys.js';
import { listenRevokeOnReplay } from './listeners/revoke-on-replay.js';
import type { ProviderPages } from './provider-pages.js';
import type { ResourceServer } from '../scopes/resource-server-definition.js';
import { OIDC_SCOPES } from '../scopes/scope-catalog.js';
import { createRedirectUriErrorMiddleware } from './registration/redirect-uri-error-middleware.js';
import { createRegistrationSecretMiddleware } from './registration/registration-secret-middleware.js';

export interface ProviderDeps {
  config: Config;
  adapter: (name: string) => Adapter;
  findAccount: FindAccount;
  pages: ProviderPages;
  signingKeys: PrivateJwk[];
  cookieKeys: string[];
  scopes: string[];
  claims: Record<string, string[]>;
  /** APIs clients may ask tokens for with `resource=` (RFC 8707). */
  resourceServers: readonly ResourceServer[];
  devicePollTracker: DevicePollTracker;
  /** Response types beyond `code`/`none`, when a client in code enables legacy implicit. */
  implicitResponseTypes: boolean;
  logger: Logger;
}

export interface ProviderBundle {
  provider: Provider;
  /** Middleware that completes the provider; mounted by http/ after its error handling. */
  middleware: Middleware[];
}

/** The one place that constructs oidc-provider. */
export function createProvider(deps: ProviderDeps): ProviderBundle {
  const { config, pages } = deps;
  const configuration: Configuration = {
    ...buildClientPolicy(deps.implicitResponseTypes),
    ...buildClientMetadata(),
    ...buildCors(),
    ...buildGrantLoading(),
    adapter: deps.adapter as unknown as Configuration['adapter'],
    findAccount: deps.findAccount,
    jwks: { keys: deps.signingKeys as unknown as NonNullable<Configuration['jwks']>['keys'] },
    cookies: buildCookies(deps.cookieKeys),
    ttl: buildTtl(config),
    features: {
      ...buildFeatures(config, pages, createIntrospectionPolicy(deps.findAccount)),
      resourceIndicators: buildResourceIndicators(deps.resourceServers, OIDC_SCOPES),
    },
    scopes: deps.scopes,
    claims: deps.claims,
    rotateRefreshToken: true,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => pages.error(ctx, out),
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  // Only the addresses our own proxies appended to X-Forwarded-For are
  // trusted (TRUST_PROXY_HOPS, default 1, counted from the right); anything
  // to their left was written by the client and can be forged.
  provider.maxIpsCount = config.operations.trustProxyHops;

  // Secrets are stored as hashes (see clients/client-secret.ts), so the
  // provider's plain comparison is replaced by hash verification.
  const verifier = createClientSecretVerifier();
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string) {
    return verifier.verify(actual, this.clientSecret ?? '');
  };

  listenRevokeOnReplay(provider, (err) => deps.logger.error({ err }, 'revoking a replayed grant failed'));
  // The request's child logger (observability/request-observer.ts) carries its requestId.
  provider.on('server_error', (ctx, err) => requestLogger(ctx, deps.logger).error({ err }, 'oidc-provider server_error'));
  const middleware = [
    createRegistrationSecretMiddleware(provider, verifier),
    createRedirectUriErrorMiddleware(),
    createDevicePollMiddleware(deps.devicePollTracker, { interval: config.devicePollInterval, ttl: config.ttl.deviceCode }),
    createUnsavedSessionGuard(),
  ];
  return { provider, middleware };
}
