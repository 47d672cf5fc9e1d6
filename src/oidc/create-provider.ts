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
import { buildAuthorizationParams } from './configuration/build-authorization-params.js';
import { buildGrantLoading } from './configuration/build-grant-loading.js';
import { buildIdTokenClaims, withSignInClaims } from './configuration/build-id-token-claims.js';
import { buildOutgoingFetch } from './configuration/build-outgoing-fetch.js';
import { buildResourceIndicators } from './configuration/build-resource-indicators.js';
import { buildTtl } from './configuration/build-ttl.js';
import { buildInteractionPolicy, type SecondFactorPolicyDeps } from './configuration/build-interaction-policy.js';
import { promptValuesSupported } from './configuration/build-sign-up-prompt.js';
import { createIntrospectionPolicy } from './introspection-policy.js';
import { createDevicePollMiddleware } from './device-flow/device-poll-middleware.js';
import { treatSpentDeviceCodesAsUnknown } from './device-flow/spent-device-code.js';
import { createUnsavedSessionGuard } from './device-flow/unsaved-session-guard.js';
import type { PrivateJwk } from './keys/load-signing-keys.js';
import { createReplayRevocation, replayOf } from './listeners/replay.js';
import type { ProviderPages } from './provider-pages.js';
import type { ResourceServer } from '../scopes/resource-server-definition.js';
import { OIDC_SCOPES } from '../scopes/scope-catalog.js';
import { createRegistrationErrorCodes } from './registration/registration-error-codes.js';
import { createRegistrationSecretMiddleware } from './registration/registration-secret-middleware.js';
import { installClientSecretCheck } from './client-auth/install-client-secret-check.js';
import { createUnauthorizedGrantMiddleware } from './client-auth/unauthorized-grant-middleware.js';

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
  /** Whether an outgoing POST goes to an operator-defined client's back-channel logout URI (build-outgoing-fetch.ts). */
  isOperatorLogoutTarget: (uri: string) => Promise<boolean>;
  logger: Logger;
  /** Strong authentication: what the second-factor prompt asks about an account (build-interaction-policy.ts). */
  secondFactor: SecondFactorPolicyDeps;
}

export interface ProviderBundle {
  provider: Provider;
  /** Middleware that completes the provider; mounted by http/ after its error handling. */
  middleware: Middleware[];
}

/** The one place that constructs oidc-provider. */
export function createProvider(deps: ProviderDeps): ProviderBundle {
  const { config, pages } = deps;
  // SIGNUP other than off: prompt=create opens the sign-up page (build-sign-up-prompt.ts).
  const policy = buildInteractionPolicy(deps.secondFactor, { signUp: config.signup !== 'off' });
  const configuration: Configuration = {
    ...buildClientPolicy(deps.implicitResponseTypes),
    ...buildClientMetadata({
      redirectRules: { localhost: config.protocol.redirectUriLocalhost },
      registrationAllowPkceOptional: config.protocol.registrationAllowPkceOptional,
    }),
    ...buildIdTokenClaims(config),
    ...buildOutgoingFetch(deps.isOperatorLogoutTarget),
    ...buildCors(),
    ...buildGrantLoading(),
    ...buildAuthorizationParams(),
    adapter: deps.adapter as unknown as Configuration['adapter'],
    findAccount: deps.findAccount,
    jwks: { keys: deps.signingKeys as unknown as NonNullable<Configuration['jwks']>['keys'] },
    cookies: buildCookies(deps.cookieKeys),
    ttl: buildTtl(config),
    features: {
      ...buildFeatures(config, pages, createIntrospectionPolicy(deps.findAccount, deps.resourceServers)),
      resourceIndicators: buildResourceIndicators(deps.resourceServers, OIDC_SCOPES),
    },
    scopes: deps.scopes,
    claims: withSignInClaims(deps.claims),
    rotateRefreshToken: true,
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => pages.error(ctx, out),
  };

  // Prompt Create §4.2: the prompt values this OP supports, beside the members buildClientPolicy adds.
  configuration.discovery = { ...configuration.discovery, prompt_values_supported: promptValuesSupported(policy) };
  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  // Only the addresses our own proxies appended to X-Forwarded-For are
  // trusted (TRUST_PROXY_HOPS, default 1, counted from the right); anything
  // to their left was written by the client and can be forged.
  provider.maxIpsCount = config.operations.trustProxyHops;

  // Secrets are stored as hashes and used only with the registered method (client-auth/).
  const verifier = createClientSecretVerifier();
  installClientSecretCheck(provider, verifier);

  // TEMPORARY (issue 18): moves to listeners/register-listeners.ts with the composition root.
  const replays = createReplayRevocation(provider, (err) => deps.logger.error({ err }, 'revoking a replayed grant failed'));
  provider.on('grant.error', (ctx, error) => { const replay = replayOf(ctx, error); if (replay) replays.revoke(ctx, replay); });
  const replayRevocation = replays.hold;
  treatSpentDeviceCodesAsUnknown(provider);
  // The request's child logger (observability/request-observer.ts) carries its requestId.
  provider.on('server_error', (ctx, err) => requestLogger(ctx, deps.logger).error({ err }, 'oidc-provider server_error'));
  // Back-Channel Logout §2.8: the OP does not retry; an unreachable relying party is the operator's to see.
  provider.on('backchannel.error', (ctx, err, client) => requestLogger(ctx, deps.logger).warn({ err: err.message, clientId: client.clientId }, 'back-channel logout delivery failed'));
  const middleware = [
    replayRevocation,
    createRegistrationSecretMiddleware(provider, verifier),
    createRegistrationErrorCodes(),
    // RFC 6749 §5.2 unauthorized_client, a code oidc-provider does not use.
    createUnauthorizedGrantMiddleware(),
    createDevicePollMiddleware(deps.devicePollTracker, { interval: config.devicePollInterval, ttl: config.ttl.deviceCode }),
    createUnsavedSessionGuard(),
  ];
  return { provider, middleware };
}
