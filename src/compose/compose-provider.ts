import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { createAdapterFactory } from '../../adapters/create-adapter.js';
import { createDevicePollTracker, type DevicePollTracker } from '../../adapters/device-poll-tracker.js';
import { accountClaims } from '../accounts/account-claims.js';
import { clientSecretCodec, createClientSecretVerifier, type ClientSecretVerifier } from '../clients/client-secret.js';
import { isOperatorLogoutTarget } from '../oidc/back-channel-logout/logout-target-repository.js';
import { cachedClaimsLoader } from '../oidc/cached-account-claims.js';
import { createProvider } from '../oidc/create-provider.js';
import { createFindAccount } from '../oidc/find-account.js';
import { registerProviderListeners } from '../oidc/listeners/register-listeners.js';
import { claimsByScope } from '../scopes/scope-catalog.js';
import { createProviderPages } from '../../interactions/create-provider-pages.js';
import type { Branding } from '../../interactions/branding.js';
import type { RowCaches } from './background.js';
import type { Services, ServicesInput } from './services.js';

export interface ProviderInput extends ServicesInput {
  services: Services;
  branding: Branding;
  caches: RowCaches;
}

export interface ComposedProvider {
  provider: Provider;
  secretVerifier: ClientSecretVerifier;
  devicePollTracker: DevicePollTracker;
  /** Holds a replay's answer until its grant is revoked (a protocol rewriter). */
  holdReplayAnswers: Middleware;
}

/** oidc-provider with our storage, accounts, pages, keys and listeners. */
export function composeProvider({ config, database, redis, logger, audit, boot, services, branding, caches }: ProviderInput): ComposedProvider {
  const { db } = database;
  const { accounts, metrics, factors } = services;
  const adapter = createAdapterFactory({
    db, redis, keyPrefix: config.redis.keyPrefix, secrets: clientSecretCodec, clientCache: caches.clients,
    observe: (timing, seconds) => metrics.observeAdapter(timing, seconds),
  });
  const secretVerifier = createClientSecretVerifier();
  const provider = createProvider({
    config,
    adapter,
    findAccount: createFindAccount(cachedClaimsLoader(async (id) => {
      const user = await accounts.findActiveUser(id);
      return user ? accountClaims(user) : undefined;
    }, caches.accounts)),
    // Pages: BRAND_* variables brand the provider-rendered pages like ours (interactions/branding.ts).
    pages: createProviderPages({ branding }),
    signingKeys: boot.signingKeys,
    cookieKeys: boot.cookieKeys,
    scopes: boot.scopes,
    resourceServers: boot.apis,
    claims: claimsByScope(),
    secretVerifier,
    implicitResponseTypes: boot.implicitResponseTypes,
    isOperatorLogoutTarget: (uri) => isOperatorLogoutTarget(db, uri),
    secondFactor: { policyFor: (accountId) => factors.policyFor(accountId) },
  });
  const { holdReplayAnswers } = registerProviderListeners(provider, {
    logger, audit, metrics, auditOptions: { clientCredentialsIssuance: config.audit.tokenIssuance }, devicePollInterval: config.devicePollInterval,
  });
  const devicePollTracker = createDevicePollTracker(redis ? { redis, keyPrefix: config.redis.keyPrefix } : { db });
  return { provider, secretVerifier, devicePollTracker, holdReplayAnswers };
}
