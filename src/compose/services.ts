import type { AccountSelfService } from '../accounts/account-self-service.js';
import { createAccountSelfService } from '../accounts/account-self-service.js';
import { createAccountService, type AccountService } from '../accounts/account-service.js';
import { relyingPartyOf } from '../accounts/factors/relying-party.js';
import { createSecondFactorThrottle, type SecondFactorThrottle } from '../accounts/factors/second-factor-throttle.js';
import { createSecondFactors, type SecondFactors } from '../accounts/factors/second-factors.js';
import type { AccountLifecycle } from '../accounts/lifecycle/create-account-lifecycle.js';
import { createLifecycleFromConfig } from '../accounts/lifecycle/lifecycle-from-config.js';
import { createLoginThrottle, type LoginThrottle } from '../accounts/login-throttle.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createAccountAppsService, type AccountAppsService } from '../clients/account-apps-service.js';
import { createClientService, type ClientService } from '../clients/client-service.js';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from '../db/create-db.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { BootData } from './boot-data.js';

export interface ServicesInput {
  config: Config;
  database: DatabaseHandle;
  redis: RedisClient | undefined;
  logger: Logger;
  audit: AuditLog;
  boot: BootData;
}

/** The services built from the stores and the configuration alone (those that need the provider come after it). */
export interface Services {
  accounts: AccountService;
  factors: SecondFactors;
  metrics: Metrics;
  loginThrottle: LoginThrottle;
  factorThrottle: SecondFactorThrottle;
  self: AccountSelfService;
  /** Operator-made clients: the account pages' "my apps" and the operator console. */
  clients: ClientService;
  apps: AccountAppsService;
  lifecycle: AccountLifecycle;
  /** Ends what the services hold open (the SMTP transport). */
  close(): void;
}

export function createServices({ config, database, redis, logger, audit, boot }: ServicesInput): Services {
  const { db } = database;
  const accounts = createAccountService({ db, bcryptCost: config.bcryptCost });
  // Strong authentication: the passkeys' relying party is the issuer's host;
  // TOTP secrets are sealed with KEY_ENCRYPTION_SECRET like the signing keys.
  const serviceName = config.branding.name ?? new URL(config.issuer).host;
  const factors = createSecondFactors({
    db, box: boot.box, relyingParty: relyingPartyOf(config.issuer, serviceName), totpIssuer: serviceName, requiredRoles: config.mfa.requiredRoles,
  });
  const metrics = createMetrics({ poolStats: () => database.poolStats() });
  // Account mails (reset, verification, invitations) and sign-up; a failed delivery is logged and counted, never shown.
  const mail = createLifecycleFromConfig(config, { db, accounts, redis, logger, audit, onMailFailure: (kind) => metrics.mailFailures.inc({ kind }) });
  // REDIRECT_URI_LOCALHOST applies to clients made on the account pages and in the console as at registration.
  const clients = createClientService({ db, supportedScopes: boot.scopes, redirectRules: { localhost: config.protocol.redirectUriLocalhost } });
  return {
    accounts,
    factors,
    metrics,
    loginThrottle: createLoginThrottle(config, redis),
    factorThrottle: createSecondFactorThrottle(config, redis),
    self: createAccountSelfService({ db, bcryptCost: config.bcryptCost }),
    clients,
    apps: createAccountAppsService({ db, supportedScopes: boot.scopes, clients }),
    lifecycle: mail.lifecycle,
    close: mail.close,
  };
}
