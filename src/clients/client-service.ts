import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ClientSource, Database } from '../db/schema.js';
import { revokeClientEntities } from '../../adapters/revoke-entities.js';
import { parseClientDefinition, type ClientDefinitionInput } from './client-definition.js';
import {
  ClientNotFoundError, CodeClientError, DuplicateClientError, InvalidClientInputError, NoClientSecretError,
} from './client-errors.js';
import { clientDefinitionProblems, toClientMetadata, usesClientSecret } from './client-metadata.js';
import { generateClientSecret, hashClientSecret } from './client-secret.js';
import * as clients from './clients-repository.js';

/** What an operator (CLI) or a person (account page) gives for a new client: a definition without secretEnv. */
export type NewClientInput = Omit<ClientDefinitionInput, 'clientId' | 'secretEnv'> & { clientId?: string };

/** A client as callers see it: never the secret or its hash. */
export interface ClientSummary {
  clientId: string;
  name: string;
  source: ClientSource;
  type: 'confidential' | 'public';
  applicationType: string;
  tokenEndpointAuthMethod: string;
  redirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  firstParty: boolean;
  active: boolean;
  hasSecret: boolean;
  ownerId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ClientService {
  /** The plaintext secret is returned here once and stored only as a hash. */
  createClient(input: NewClientInput, origin?: { source?: 'cli' | 'account'; ownerId?: string }): Promise<{ client: ClientSummary; secret?: string }>;
  listClients(filter?: { source?: ClientSource; ownerId?: string }): Promise<ClientSummary[]>;
  findClient(clientId: string): Promise<ClientSummary | undefined>;
  rotateSecret(clientId: string): Promise<{ client: ClientSummary; secret: string }>;
  setActive(clientId: string, active: boolean): Promise<ClientSummary>;
  deleteClient(clientId: string): Promise<void>;
}

export interface ClientServiceDeps {
  db: Kysely<Database>;
  /** The scope catalog's names; a client may only be allowed scopes that exist. */
  supportedScopes: readonly string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function authMethodOf(metadata: Record<string, unknown>): string {
  // RFC 7591 §2: client_secret_basic when the client did not say.
  return typeof metadata.token_endpoint_auth_method === 'string' ? metadata.token_endpoint_auth_method : 'client_secret_basic';
}

function toClientSummary(row: clients.ClientRow): ClientSummary {
  const { metadata } = row;
  const method = authMethodOf(metadata);
  return {
    clientId: row.clientId,
    name: typeof metadata.client_name === 'string' ? metadata.client_name : row.clientId,
    source: row.source,
    type: method === 'none' ? 'public' : 'confidential',
    applicationType: typeof metadata.application_type === 'string' ? metadata.application_type : 'web',
    tokenEndpointAuthMethod: method,
    redirectUris: strings(metadata.redirect_uris),
    grantTypes: metadata.grant_types === undefined ? ['authorization_code'] : strings(metadata.grant_types),
    scopes: typeof metadata.scope === 'string' ? metadata.scope.split(' ').filter(Boolean) : [],
    firstParty: row.firstParty,
    active: row.active,
    hasSecret: row.secretHash !== null,
    ownerId: row.ownerId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * Client management for operator-made clients (source `cli`, later
 * `account`). The same parser and rules as clients in code
 * (client-definition.ts, client-metadata.ts, redirect-uri-policy.ts) decide
 * what is valid; clients in code are read-only here.
 */
export function createClientService({ db, supportedScopes }: ClientServiceDeps): ClientService {
  /** Loads a client that this service may change, or throws. */
  async function changeable(clientId: string): Promise<clients.ClientRow> {
    const row = await clients.findClientRow(db, clientId);
    if (!row) throw new ClientNotFoundError(clientId);
    if (row.source === 'code') throw new CodeClientError(clientId);
    return row;
  }

  async function reload(clientId: string): Promise<ClientSummary> {
    const row = await clients.findClientRow(db, clientId);
    if (!row) throw new ClientNotFoundError(clientId);
    return toClientSummary(row);
  }

  return {
    async createClient(input, origin = {}) {
      const clientId = input.clientId ?? randomBytes(16).toString('base64url');
      const { definition, problems } = parseClientDefinition({ ...input, clientId }, clientId);
      if (!definition) throw new InvalidClientInputError(problems);
      const found = clientDefinitionProblems(definition, supportedScopes, 'generated');
      if (found.length) throw new InvalidClientInputError(found);
      const secret = usesClientSecret(definition) ? generateClientSecret() : undefined;
      try {
        await clients.insertClientRow(db, {
          clientId,
          metadata: toClientMetadata(definition),
          secretHash: secret ? await hashClientSecret(secret) : null,
          source: origin.source ?? 'cli',
          ownerId: origin.ownerId ?? null,
          firstParty: definition.firstParty,
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateClientError(clientId);
        throw err;
      }
      return { client: await reload(clientId), ...(secret ? { secret } : {}) };
    },

    listClients: async (filter) => (await clients.listClientRows(db, filter)).map(toClientSummary),
    async findClient(clientId) {
      const row = await clients.findClientRow(db, clientId);
      return row ? toClientSummary(row) : undefined;
    },

    async rotateSecret(clientId) {
      const row = await changeable(clientId);
      if (!authMethodOf(row.metadata).startsWith('client_secret')) throw new NoClientSecretError(clientId);
      const secret = generateClientSecret();
      // The old secret stops working at once; tokens already issued stay valid.
      await clients.updateClientRow(db, clientId, { secretHash: await hashClientSecret(secret) });
      return { client: await reload(clientId), secret };
    },

    async setActive(clientId, active) {
      await changeable(clientId);
      // A disabled client cannot authenticate (the Client adapter skips it),
      // and what it was issued is revoked, so nothing comes back on re-enable.
      await db.transaction().execute(async (trx) => {
        await clients.updateClientRow(trx, clientId, { active });
        if (!active) await revokeClientEntities(trx, clientId);
      });
      return reload(clientId);
    },

    async deleteClient(clientId) {
      await changeable(clientId);
      await db.transaction().execute(async (trx) => {
        await revokeClientEntities(trx, clientId, { forget: true });
        await clients.deleteClientRow(trx, clientId);
      });
    },
  };
}
