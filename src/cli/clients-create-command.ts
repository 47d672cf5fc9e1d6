import type { Command } from 'commander';
import { GRANT_TYPES } from '../clients/client-definition.js';
import type { ClientService, NewClientInput } from '../clients/client-service.js';
import { KNOWN_SCOPES } from '../scopes/scope-catalog.js';

interface CreateOptions {
  name: string;
  type: string;
  applicationType: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  grantType?: string[];
  scope?: string[];
  firstParty?: boolean;
  clientId?: string;
  pkce?: string;
  backchannelLogoutUri?: string;
  refreshReuseLeeway?: number;
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  authMethod?: string;
  jwksUri?: string;
  allowedOrigin?: string[];
  autoApproveScope?: string[];
  requireDpop?: boolean;
  requirePar?: boolean;
  requireMfa?: boolean;
  logoUri?: string;
  clientUri?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The grant types a client made here may have. Implicit is left out on
 * purpose: the server offers its response types only when a client in code
 * enables them at boot (allowImplicit, build-client-policy.ts), and RFC 9700
 * §2.1.2 advises against it.
 */
export const CLI_GRANT_TYPES = GRANT_TYPES.filter((type) => type !== 'implicit');

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "900", "15m", "12h" or "30d" as whole seconds; anything else is NaN, which the definition schema refuses with its own message. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  return match ? Number(match[1]) * UNITS[match[2] || 's']! : Number.NaN;
}

function toInput(options: CreateOptions): NewClientInput {
  // The schema and the shared rules decide what is valid; the CLI only maps flags to a definition.
  return {
    ...(options.clientId ? { clientId: options.clientId } : {}),
    name: options.name,
    type: options.type as NewClientInput['type'],
    applicationType: options.applicationType as NewClientInput['applicationType'],
    redirectUris: options.redirectUri ?? [],
    postLogoutRedirectUris: options.postLogoutRedirectUri ?? [],
    grantTypes: (options.grantType ?? ['authorization_code']) as NewClientInput['grantTypes'],
    scopes: options.scope ?? ['openid'],
    firstParty: options.firstParty === true,
    ...(options.pkce ? { pkce: options.pkce as NewClientInput['pkce'] } : {}),
    ...(options.backchannelLogoutUri ? { backchannelLogoutUri: options.backchannelLogoutUri } : {}),
    ...(options.refreshReuseLeeway !== undefined ? { refreshReuseLeewaySeconds: options.refreshReuseLeeway } : {}),
    ...(options.accessTokenTtl !== undefined ? { accessTokenTtl: options.accessTokenTtl } : {}),
    ...(options.refreshTokenTtl !== undefined ? { refreshTokenTtl: options.refreshTokenTtl } : {}),
    ...(options.authMethod ? { tokenEndpointAuthMethod: options.authMethod as NewClientInput['tokenEndpointAuthMethod'] } : {}),
    ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
    ...(options.allowedOrigin ? { allowedOrigins: options.allowedOrigin } : {}),
    ...(options.autoApproveScope ? { autoApproveScopes: options.autoApproveScope } : {}),
    ...(options.requireDpop ? { requireDpop: true } : {}),
    ...(options.requirePar ? { requirePar: true } : {}),
    ...(options.requireMfa ? { requireMfa: true } : {}),
    ...(options.logoUri ? { logoUri: options.logoUri } : {}),
    ...(options.clientUri ? { clientUri: options.clientUri } : {}),
  };
}

/** The per-client settings of client-definition.ts that are safe to set without a release (everything but secretEnv and implicit). */
function addSettingOptions(command: Command): Command {
  return command
    .option('--access-token-ttl <duration>', 'access token lifetime for this client: seconds, or 15m, 1h, 1d (default: ACCESS_TOKEN_TTL)', parseDuration)
    .option('--refresh-token-ttl <duration>', 'refresh token lifetime for this client: seconds, or 12h, 30d (default: REFRESH_TOKEN_TTL)', parseDuration)
    .option('--refresh-reuse-leeway <seconds>', 'seconds (0-60, default off) in which a just-rotated refresh token may be used again instead of revoking the grant; a stolen token replayed within it goes unnoticed', Number)
    .option('--pkce <rule>', 'required (default) or optional; optional only for a confidential client, and logged at every boot')
    .option('--auth-method <method>', 'confidential clients: client_secret_basic (default), client_secret_post or private_key_jwt (needs --jwks-uri)')
    .option('--jwks-uri <uri>', 'where the client publishes its public keys (private_key_jwt)')
    .option('--allowed-origin <origin>', 'browser origin (scheme://host[:port]) allowed to call the token endpoint with CORS (repeatable)', collect)
    .option('--auto-approve-scope <scope>', 'scope people are not asked about for this client (repeatable; one of its --scope values)', collect)
    .option('--require-dpop', 'every access token of this client is DPoP-bound (RFC 9449)')
    .option('--require-par', 'authorization requests only as pushed requests (RFC 9126)')
    .option('--require-mfa', 'people signing in to this client need a second factor')
    .option('--backchannel-logout-uri <uri>', 'where signed logout tokens are POSTed when a session ends (OpenID Connect Back-Channel Logout)')
    .option('--logo-uri <uri>', 'logo shown on the consent page')
    .option('--client-uri <uri>', 'home page linked from the consent page');
}

export function registerCreate(clients: Command, withClients: (run: (service: ClientService) => Promise<void>) => Promise<void>): void {
  const create = clients.command('create')
    .description('create a client; a confidential client gets a generated secret, printed once')
    .requiredOption('--name <name>', 'name shown to people on the consent page')
    .requiredOption('--type <type>', 'confidential (has a secret) or public (browser or native app, no secret)')
    .option('--application-type <type>', 'web or native (native allows private-use schemes and loopback ports)', 'web')
    .option('--redirect-uri <uri>', 'exact redirect URI (repeatable)', collect)
    .option('--post-logout-redirect-uri <uri>', 'exact post-logout redirect URI (repeatable)', collect)
    .option('--grant-type <type>', `one of ${CLI_GRANT_TYPES.join(', ')} (repeatable; default authorization_code)`, collect)
    .option('--scope <scope>', `allowed scope, one of ${KNOWN_SCOPES.join(', ')} (repeatable; default openid)`, collect)
    .option('--first-party', 'operator-owned app: people are not asked for consent')
    .option('--client-id <id>', 'choose the client_id instead of a random one');
  addSettingOptions(create).action(async (options: CreateOptions) => {
    if (options.grantType?.includes('implicit')) {
      throw new Error('--grant-type implicit is only for clients in code (allowImplicit in src/clients/clients.config.ts): the server enables its response types at boot (RFC 9700 §2.1.2 advises against it)');
    }
    await withClients(async (service) => {
      const { client, secret } = await service.createClient(toInput(options), { source: 'cli' });
      process.stdout.write(`created ${client.type} client ${client.name}\nclient_id: ${client.clientId}\n`);
      if (secret) printSecretOnce(secret);
    });
  });
}

/** The secret goes to stdout alone on its line so it can be captured; the warning goes to stderr. */
export function printSecretOnce(secret: string): void {
  process.stdout.write(`client_secret: ${secret}\n`);
  process.stderr.write('Store this client secret now: it is shown only this once and only its hash is kept.\n');
}
