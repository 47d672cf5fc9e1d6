import type { Command } from 'commander';
import { ClientNotFoundError, CodeClientError } from '../clients/client-errors.js';
import { createClientService, type ClientService, type ClientSummary } from '../clients/client-service.js';
import { parseRedirectUriList } from '../clients/redirect-uri-policy.js';
import { ACCOUNT_PAGES_CLIENT_ID } from '../oidc/account-pages/account-pages-client.js';
import { KNOWN_SCOPES } from '../scopes/scope-catalog.js';
import { createAuditLog } from '../audit/audit-log.js';
import { withClientAudit } from '../audit/audited-client-service.js';
import { createLogger } from '../observability/logger.js';
import { withDatabase } from './cli-context.js';
import { printFields, printResult, printTable, withJsonOption, type OutputOptions } from './cli-output.js';
import { printSecretOnce, registerCreate } from './clients-create-command.js';
import { registerDemo } from './clients-demo-command.js';

/** The account pages' own client is synced like a client in code, but no clients.config.ts lists it. */
function explainBuiltIn(err: unknown): never {
  if (err instanceof CodeClientError && err.clientId === ACCOUNT_PAGES_CLIENT_ID) {
    throw new Error(`client "${ACCOUNT_PAGES_CLIENT_ID}" is built in: it is the account pages' own sign-in client (src/oidc/account-pages/account-pages-client.ts) and cannot be changed or deleted`);
  }
  throw err;
}

export function withClients(run: (clients: ClientService) => Promise<void>): Promise<void> {
  // Every change made here is recorded in the audit trail (src/audit/).
  return withDatabase(({ config, database }) => run(withClientAudit(
    createClientService({ db: database.db, supportedScopes: KNOWN_SCOPES, redirectRules: { localhost: config.protocol.redirectUriLocalhost } }),
    createAuditLog({ db: database.db, logger: createLogger({ level: config.logLevel }) }),
  )).catch(explainBuiltIn));
}

function describeClient(client: ClientSummary): Array<[string, string]> {
  return [
    ['client_id', client.clientId],
    ['name', client.name],
    ['source', client.source],
    ['type', `${client.type} (${client.tokenEndpointAuthMethod})`],
    ['application type', client.applicationType],
    ['redirect URIs', client.redirectUris.join(' ')],
    ['post-logout redirect URIs', client.postLogoutRedirectUris.join(' ')],
    ['grant types', client.grantTypes.join(' ')],
    ['scopes', client.scopes.join(' ')],
    ['first party', client.firstParty ? 'yes' : 'no'],
    // The per-client settings that are set, by their metadata name.
    ...Object.entries(client.settings).map(([key, value]): [string, string] => [key, Array.isArray(value) ? value.join(' ') : String(value)]),
    ['status', client.active ? 'active' : 'disabled'],
    ['created', client.createdAt.toISOString()],
    ['updated', client.updatedAt.toISOString()],
  ];
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
  registerCreate(clients, withClients);
  registerDemo(clients, withClients);

  withJsonOption(clients.command('list'))
    .description('list clients: client_id, source, type, status, name')
    .action(async (options: OutputOptions) => {
      await withClients(async (service) => {
        const list = await service.listClients();
        printResult(options, list, () => printTable(['client_id', 'source', 'type', 'status', 'name'],
          list.map((client) => [client.clientId, client.source, client.type, client.active ? 'active' : 'disabled', client.name])));
      });
    });

  withJsonOption(clients.command('show <client-id>'))
    .description('show one client (never its secret)')
    .action(async (clientId: string, options: OutputOptions) => {
      await withClients(async (service) => {
        const client = await service.findClient(clientId);
        if (!client) throw new ClientNotFoundError(clientId);
        printResult(options, client, () => printFields(describeClient(client)));
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

  clients.command('set-redirect-uris <client-id> <uri...>')
    .description('replace the redirect URIs (the same policy as everywhere: exact, https or a loopback host, RFC 8252 for native apps)')
    .action(async (clientId: string, uris: string[]) => {
      await withClients(async (service) => {
        const client = await service.setRedirectUris(clientId, parseRedirectUriList(uris.join(' ')));
        process.stdout.write(`redirect URIs of client ${client.clientId}: ${client.redirectUris.join(' ')}\n`);
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
