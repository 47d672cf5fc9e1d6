import type { Kysely } from 'kysely';
import type { AccountService } from '../accounts/account-service.js';
import type { SecondFactors } from '../accounts/factors/second-factors.js';
import type { AccountLifecycle } from '../accounts/lifecycle/create-account-lifecycle.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createAuditTrail } from '../audit/audit-trail.js';
import type { ClientService } from '../clients/client-service.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/schema.js';
import type { ConnectedAppsService } from '../oidc/account-pages/connected-apps-service.js';
import type { PrivateJwk } from '../oidc/keys/load-signing-keys.js';
import { retiredKeyGraceSeconds } from '../oidc/keys/rotate-signing-keys.js';
import type { SecretBox } from '../oidc/keys/secret-box.js';
import { createSigningKeyService } from '../oidc/keys/signing-key-service.js';
import { createOperatorSessions } from '../oidc/sessions/operator-sessions-service.js';
import type { AdminServices } from '../../interactions/admin/admin-deps.js';

export interface OperatorServicesDeps {
  db: Kysely<Database>;
  config: Config;
  accounts: AccountService;
  clients: ClientService;
  audit: AuditLog;
  box: SecretBox;
  factors: SecondFactors;
  /** The keys this instance signs with: back-channel logout tokens are signed with them too. */
  signingKeys: readonly PrivateJwk[];
  /** Account mails: the console sends password-reset links through it when mail is on. */
  lifecycle?: AccountLifecycle;
  /** The account pages' view of a person's apps, shared with the console. */
  connected: ConnectedAppsService;
}

/** The operator console's services: the same ones (and rules) the CLI uses, on the server's own pools. */
export function createOperatorServices(deps: OperatorServicesDeps): AdminServices {
  const { db, config } = deps;
  return {
    accounts: deps.accounts,
    clients: deps.clients,
    connected: deps.connected,
    sessions: createOperatorSessions({ db, logout: { issuer: config.issuer, loadKeys: async () => deps.signingKeys } }),
    trail: createAuditTrail({ db }),
    keys: createSigningKeyService({ db, box: deps.box, graceSeconds: retiredKeyGraceSeconds(config) }),
    audit: deps.audit,
    factors: deps.factors,
    lifecycle: deps.lifecycle,
  };
}
