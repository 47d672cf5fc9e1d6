import { clientDefinitionSchema } from '../../clients/client-definition.js';
import { toClientMetadata } from '../../clients/client-metadata.js';
import type { ValidatedClient } from '../../clients/sync-clients.js';

/**
 * The account area (/account) is a first-party page of this server. It signs
 * people in the way every application does — an authorization request — so
 * login, lockout and session handling stay oidc-provider's. It asks for
 * response_type=none (OAuth 2.0 Multiple Response Type Encoding Practices §4):
 * the provider establishes its session and redirects back with only `state`,
 * so no code or token is ever issued to it. The client is derived from the
 * issuer and synced with the clients in code at every boot (its grants need a
 * clients row), never edited by anyone.
 */
export const ACCOUNT_PAGES_CLIENT_ID = 'account-console';
export const ACCOUNT_CALLBACK_PATH = '/account/callback';

export function accountPagesClient(issuer: string, productName: string | undefined): ValidatedClient {
  const definition = clientDefinitionSchema.parse({
    clientId: ACCOUNT_PAGES_CLIENT_ID,
    name: productName ? `${productName} account` : 'Your account',
    type: 'public',
    applicationType: 'web',
    redirectUris: [`${issuer}${ACCOUNT_CALLBACK_PATH}`],
    // grant_types may not be empty (client-definition.ts); with only the
    // `none` response type no code is ever issued.
    grantTypes: ['authorization_code'],
    responseTypes: ['none'],
    scopes: ['openid'],
    // First-party: no consent screen (see build-grant-loading.ts).
    firstParty: true,
  });
  return { definition, metadata: toClientMetadata(definition), secret: undefined };
}
