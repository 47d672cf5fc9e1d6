import type { Command } from 'commander';
import { GRANT_TYPES } from '../clients/client-definition.js';
import { ClientNotFoundError } from '../clients/client-errors.js';
import { createClientService, type ClientService, type ClientSummary, type NewClientInput } from '../clients/client-service.js';
import { KNOWN_SCOPES } from '../scopes/scope-catalog.js';
import { createAuditLog } from '../audit/audit-log.js';
import { withClientAudit } from '../audit/audited-client-service.js';
import { createLogger } from '../observability/logger.js';
import { withDatabase } from './cli-context.js';

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
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withClients(run: (clients: ClientService) => Promise<void>): Promise<void> {
  // Every change made here is recorded in the audit trail (src/audit/).
  return withDatabase(({ config, database }) => run(withClientAudit(
    createClientService({ db: database.db, supportedScopes: KNOWN_SCOPES }),
    createAuditLog({ db: database.db, logger: createLogger({ level: config.logLevel }) }),
  )));
}

function describeClient(client: ClientSummary): string {
  const lines: Array<[string, string]> = [
    ['client_id', client.clientId],
    ['name', client.name],
    ['source', client.source],
    ['type', `${client.type} (${client.tokenEndpointAuthMethod})`],
    ['application type', client.applicationType],
    ['redirect URIs', client.redirectUris.join(' ')],
    ['grant types', client.grantTypes.join(' ')],
    ['scopes', client.scopes.join(' ')],
    ['first party', client.firstParty ? 'yes' : 'no'],
    ['status', client.active ? 'active' : 'disabled'],
    ['created', client.createdAt.toISOString()],
    ['updated', client.updatedAt.toISOString()],
  ];
  return lines.map(([key, value]) => `${key}: ${value}\n`).join('');
}

/** The secret goes to stdout alone on its line so it can be captured; the warning goes to stderr. */
function printSecretOnce(secret: string): void {
  process.stdout.write(`client_secret: ${secret}\n`);
  process.stderr.write('Store this client secret now: it is shown only this once and only its hash is kept.\n');
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
  };
}

function registerCreate(clients: Command): void {
  clients.command('create')
    .description('create a client; a confidential client gets a generated secret, printed once')
    .requiredOption('--name <name>', 'name shown to people on the consent page')
    .requiredOption('--type <type>', 'confidential (has a secret) or public (browser or native app, no secret)')
    .option('--application-type <type>', 'web or native (native allows private-use schemes and loopback ports)', 'web')
    .option('--redirect-uri <uri>', 'exact redirect URI (repeatable)', collect)
    .option('--post-logout-redirect-uri <uri>', 'exact post-logout redirect URI (repeatable)', collect)
    .option('--grant-type <type>', `one of ${GRANT_TYPES.join(', ')} (repeatable; default authorization_code)`, collect)
    .option('--scope <scope>', `allowed scope, one of ${KNOWN_SCOPES.join(', ')} (repeatable; default openid)`, collect)
    .option('--first-party', 'operator-owned app: people are not asked for consent')
    .option('--client-id <id>', 'choose the client_id instead of a random one')
    .action(async (options: CreateOptions) => {
      await withClients(async (service) => {
        const { client, secret } = await service.createClient(toInput(options), { source: 'cli' });
        process.stdout.write(`created ${client.type} client ${client.name}\nclient_id: ${client.clientId}\n`);
        if (secret) printSecretOnce(secret);
      });
    });
}

function registerChange(clients: Command, name: string, description: string, change: (service: ClientService, clientId: string) => Promise<string>): void {
  clients.command(`${name} <client-id>`)
    .description(description)
    .action(async (clientId: string) => {
      await withClients(async (service) => { process.stdout.write(`${await change(service, clientId)}\n`); });
    });
}

export function registerClientsCommand(program: Command): void {
  const clients = program.command('clients').description('manage OAuth clients (clients defined in code are read-only here)');
  registerCreate(clients);

  clients.command('list')
    .description('list clients: client_id, source, type, status, name')
    .action(async () => {
      await withClients(async (service) => {
        for (const client of await service.listClients()) {
          process.stdout.write(`${client.clientId}\t${client.source}\t${client.type}\t${client.active ? 'active' : 'disabled'}\t${client.name}\n`);
        }
      });
    });

  clients.command('show <client-id>')
    .description('show one client (never its secret)')
    .action(async (clientId: string) => {
      await withClients(async (service) => {
        const client = await service.findClient(clientId);
        if (!client) throw new ClientNotFoundError(clientId);
        process.stdout.write(describeClient(client));
      });
    });

  clients.command('rotate-secret <client-id>')
    .description('replace the client secret; the old one stops working at once and the new one is printed once')
    .action(async (clientId: string) => {
      await withClients(async (service) => {
        const { client, secret } = await service.rotateSecret(clientId);
        process.stdout.write(`new secret for client ${client.clientId}\n`);
        printSecretOnce(secret);
      });
    });

  registerChange(clients, 'disable', 'disable a client: it can no longer authenticate and its tokens are revoked at once',
    async (service, clientId) => `disabled client ${(await service.setActive(clientId, false)).clientId}; its grants and tokens are revoked`);
  registerChange(clients, 'enable', 'enable a disabled client',
    async (service, clientId) => `enabled client ${(await service.setActive(clientId, true)).clientId}`);
  registerChange(clients, 'delete', 'delete a client with its grants and tokens', async (service, clientId) => {
    await service.deleteClient(clientId);
    return `deleted client ${clientId}`;
  });
}
