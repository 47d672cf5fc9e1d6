import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClientDefinitionInput } from '../clients/client-definition.js';
import { clientsConfig } from '../clients/clients.config.js';
import { findPkceOptionalClients, syncClients, validateClientDefinitions } from '../clients/sync-clients.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../observability/logger.js';
import { accountPagesClient } from '../oidc/account-pages/account-pages-client.js';
import { loadCookieKeys } from '../oidc/keys/load-cookie-keys.js';
import { loadSigningKeys, type PrivateJwk } from '../oidc/keys/load-signing-keys.js';
import { retiredKeyGraceSeconds } from '../oidc/keys/rotate-signing-keys.js';
import { createSecretBox, type SecretBox } from '../oidc/keys/secret-box.js';
import { resolveResourceServers, type ResourceServer, type ResourceServerDefinitionInput } from '../scopes/resource-server-definition.js';
import { resourceServersConfig } from '../scopes/resource-servers.config.js';
import { KNOWN_SCOPES } from '../scopes/scope-catalog.js';
import { syncScopes } from '../scopes/sync-scopes.js';

export interface BootInput {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  audit: AuditLog;
  /** Clients in code; clients.config.ts unless given. */
  clients?: ClientDefinitionInput[];
  /** APIs (RFC 8707 resource servers); resource-servers.config.ts unless given. */
  resourceServers?: ResourceServerDefinitionInput[];
}

/** What the server reads or writes once, before its first request. */
export interface BootData {
  /** Seals private keys and TOTP secrets with KEY_ENCRYPTION_SECRET. */
  box: SecretBox;
  signingKeys: PrivateJwk[];
  cookieKeys: string[];
  /** The APIs in use and every scope known: the catalog plus whatever those APIs declare. */
  apis: ResourceServer[];
  scopes: string[];
  /** Response types beyond `code`/`none`, when a client in code enables legacy implicit. */
  implicitResponseTypes: boolean;
}

/**
 * Boot: scopes and clients in code synced into the database (a wrong
 * definition stops startup with one line per problem), signing and cookie
 * keys loaded (or made on first start).
 */
export async function loadBootData({ config, db, logger, audit, clients, resourceServers }: BootInput): Promise<BootData> {
  const box = createSecretBox(config.keyEncryptionSecret);
  if (!box.enabled && config.env !== 'development' && config.env !== 'test') {
    logger.warn('KEY_ENCRYPTION_SECRET is not set: private signing keys are stored unencrypted');
  }
  await syncScopes(db);
  const [signingKeys, cookieKeys] = await Promise.all([
    loadSigningKeys(db, box, { retiredGraceSeconds: retiredKeyGraceSeconds(config) }),
    loadCookieKeys(db, box, config.cookieKeys),
  ]);
  const apis = resolveResourceServers(resourceServers ?? resourceServersConfig, config.issuer, KNOWN_SCOPES);
  // An API passed in (rather than read from resource-servers.config.ts) has its scopes known too.
  const scopes = [...new Set([...KNOWN_SCOPES, ...apis.flatMap((api) => api.scopes)])];
  const redirectRules = { localhost: config.protocol.redirectUriLocalhost };
  const definitions = validateClientDefinitions(clients ?? clientsConfig, scopes, config.secretFromEnv, redirectRules);
  // Pages: the account area's own sign-in client is a client in code too (see oidc/account-pages/).
  const synced = await syncClients(db, [...definitions, accountPagesClient(config.issuer, config.branding.name)]);
  if (synced.disabled > 0) await audit.record({ event: 'client.disabled', details: { source: 'code', count: synced.disabled } });
  for (const { clientId, source } of await findPkceOptionalClients(db)) {
    logger.warn({ clientId, source }, 'PKCE is optional for this client (pkce: optional): its authorization codes are not bound to a code_verifier (RFC 9700 §2.1.1)');
  }
  return { box, signingKeys, cookieKeys, apis, scopes, implicitResponseTypes: definitions.some(({ definition }) => definition.allowImplicit) };
}
