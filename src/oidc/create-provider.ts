import Provider, { type Adapter, type Configuration, type FindAccount } from 'oidc-provider';
import type { ClientSecretVerifier } from '../clients/client-secret.js';
import type { Config } from '../config/load-config.js';
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
import { treatSpentDeviceCodesAsUnknown } from './device-flow/spent-device-code.js';
import type { PrivateJwk } from './keys/load-signing-keys.js';
import type { ProviderPages } from './provider-pages.js';
import type { ResourceServer } from '../scopes/resource-server-definition.js';
import { OIDC_SCOPES } from '../scopes/scope-catalog.js';
import { installClientSecretCheck } from './client-auth/install-client-secret-check.js';

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
  /** Checks presented client secrets against their stored hashes (clients/client-secret.ts). */
  secretVerifier: ClientSecretVerifier;
  /** Response types beyond `code`/`none`, when a client in code enables legacy implicit. */
  implicitResponseTypes: boolean;
  /** Whether an outgoing POST goes to an operator-defined client's back-channel logout URI (build-outgoing-fetch.ts). */
  isOperatorLogoutTarget: (uri: string) => Promise<boolean>;
  /** Strong authentication: what the second-factor prompt asks about an account (build-interaction-policy.ts). */
  secondFactor: SecondFactorPolicyDeps;
}

/**
 * The one place that constructs oidc-provider, from small configuration
 * builders (configuration/). Its event listeners are registered by
 * listeners/register-listeners.ts, and the middleware that completes its
 * answers is listed in src/http/response-rewriters.ts.
 */
export function createProvider(deps: ProviderDeps): Provider {
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
    ...buildCookies(deps.cookieKeys, { httpPostMethods: config.protocol.httpPostMethods }),
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
  provider.proxy = config.operations.trustProxy;
  // Only the addresses our own proxies appended to X-Forwarded-For are
  // trusted (TRUST_PROXY_HOPS, default 1, counted from the right); anything
  // to their left was written by the client and can be forged.
  provider.maxIpsCount = config.operations.trustProxyHops;

  // Secrets are stored as hashes and used only with the registered method (client-auth/).
  installClientSecretCheck(provider, deps.secretVerifier);
  treatSpentDeviceCodesAsUnknown(provider);
  return provider;
}
