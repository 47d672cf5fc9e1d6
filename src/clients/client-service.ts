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
import { redirectUriProblems, type ApplicationType, type RedirectUriRules } from './redirect-uri-policy.js';
import * as clients from './clients-repository.js';
import { isUniqueViolation } from '../db/unique-violation.js';

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
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  firstParty: boolean;
  active: boolean;
  hasSecret: boolean;
  /** The other per-client settings that are set, by their metadata name (access_token_ttl, pkce, …). */
  settings: Record<string, unknown>;
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
  /** Replaces the redirect URIs under the same policy as every other way a client comes in (redirect-uri-policy.ts). */
  setRedirectUris(clientId: string, redirectUris: readonly string[]): Promise<ClientSummary>;
  deleteClient(clientId: string): Promise<void>;
  /** One page in client_id order; `next` is the cursor of the page after (clients-repository.ts searchClientRows). */
  searchClients(search: { query?: string; after?: string; limit?: number }): Promise<{ clients: ClientSummary[]; next?: string }>;
  countClients(): Promise<number>;
}

export interface ClientServiceDeps {
  db: Kysely<Database>;
  /** The scope catalog's names; a client may only be allowed scopes that exist. */
  supportedScopes: readonly string[];
  /** REDIRECT_URI_LOCALHOST; the policy's default (allow) when not given. */
  redirectRules?: RedirectUriRules;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function authMethodOf(metadata: Record<string, unknown>): string {
  // RFC 7591 §2: client_secret_basic when the client did not say.
  return typeof metadata.token_endpoint_auth_method === 'string' ? metadata.token_endpoint_auth_method : 'client_secret_basic';
}

/** Metadata a summary shows beside its named fields: the per-client settings (client-metadata.ts). */
const SETTINGS = [
  'access_token_ttl', 'refresh_token_ttl', 'refresh_reuse_leeway', 'pkce', 'implicit_allowed', 'dpop_bound_access_tokens',
  'require_pushed_authorization_requests', 'require_mfa', 'auto_approve_scopes', 'allowed_origins', 'backchannel_logout_uri',
  'jwks_uri', 'logo_uri', 'client_uri',
] as const;

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
    postLogoutRedirectUris: strings(metadata.post_logout_redirect_uris),
    grantTypes: metadata.grant_types === undefined ? ['authorization_code'] : strings(metadata.grant_types),
    scopes: typeof metadata.scope === 'string' ? metadata.scope.split(' ').filter(Boolean) : [],
    firstParty: row.firstParty,
    active: row.active,
    hasSecret: row.secretHash !== null,
    settings: Object.fromEntries(SETTINGS.filter((key) => metadata[key] !== undefined).map((key) => [key, metadata[key]])),
    ownerId: row.ownerId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * Client management for operator-made clients (source `cli`, later
 * `account`). The same parser and rules as clients in code
 * (client-definition.ts, client-metadata.ts, redirect-uri-policy.ts) decide
 * what is valid; clients in code are read-only here.
 */
export function createClientService({ db, supportedScopes, redirectRules }: ClientServiceDeps): ClientService {
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
      // A problem names the client_id the request gave; a generated one was
      // never created and means nothing to the reader, so the name stands in.
      const label = input.clientId ?? `(new) ${JSON.stringify(input.name ?? '')}`;
      const named = (lines: string[]) => (input.clientId ? lines : lines.map((line) => line.replace(`client ${clientId}:`, `client ${label}:`)));
      const { definition, problems } = parseClientDefinition({ ...input, clientId }, clientId);
      if (!definition) throw new InvalidClientInputError(named(problems));
      const found = clientDefinitionProblems(definition, supportedScopes, 'generated', redirectRules);
      if (found.length) throw new InvalidClientInputError(named(found));
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
      const row = await changeable(clientId);
      // A disabled client cannot authenticate and its tokens stop working (the
      // Client adapter skips it), from the commit on; what it was issued then
      // goes in bounded batches (revoke-entities.ts, issue 17), and whatever a
      // cut-short revocation leaves the cleanup job removes. Before an enable,
      // any such remainder goes first, so nothing comes back on re-enable.
      if (active && !row.active) await revokeClientEntities(db, clientId);
      await clients.updateClientRow(db, clientId, { active });
      if (!active) await revokeClientEntities(db, clientId);
      return reload(clientId);
    },

    async setRedirectUris(clientId, redirectUris) {
      const row = await changeable(clientId);
      const applicationType: ApplicationType = row.metadata.application_type === 'native' ? 'native' : 'web';
      const grantTypes = strings(row.metadata.grant_types);
      // The rules client-metadata.ts applies to a whole definition, for the one field that changes.
      const problems = redirectUriProblems(redirectUris, applicationType, redirectRules);
      const interactive = row.metadata.grant_types === undefined || grantTypes.includes('authorization_code') || grantTypes.includes('implicit');
      if (interactive && redirectUris.length === 0) problems.push('authorization_code needs at least one redirect URI');
      if (problems.length) throw new InvalidClientInputError(problems.map((problem) => `client ${clientId}: ${problem}`));
      await clients.updateClientRow(db, clientId, { metadata: { ...row.metadata, redirect_uris: [...redirectUris] } });
      return reload(clientId);
    },

    async searchClients({ query, after, limit = 50 }) {
      // One row more than asked tells whether another page follows.
      const rows = await clients.searchClientRows(db, { query, after, limit: limit + 1 });
      const page = rows.slice(0, limit).map(toClientSummary);
      return rows.length > limit ? { clients: page, next: page[page.length - 1]!.clientId } : { clients: page };
    },
    countClients: () => clients.countClientRows(db),

    async deleteClient(clientId) {
      await changeable(clientId);
      // Refused at once, then emptied in batches: deleting the row of a busy
      // client would otherwise cascade to all its tokens in one statement.
      await clients.updateClientRow(db, clientId, { active: false });
      await revokeClientEntities(db, clientId, { forget: true });
      await clients.deleteClientRow(db, clientId);
    },
  };
}
