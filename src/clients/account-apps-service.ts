import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.js';
import { ClientError, InvalidClientInputError } from './client-errors.js';
import { createClientService, type ClientService, type ClientSummary, type NewClientInput } from './client-service.js';
import { findClientRow, updateClientRow } from './clients-repository.js';

/** The four kinds of application a person can register from "My apps". */
export const APP_KINDS = ['web', 'spa', 'native', 'device'] as const;
export type AppKind = (typeof APP_KINDS)[number];

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface Viewer {
  id: string;
  role: Role;
}

export interface NewApp {
  name: string;
  kind: AppKind;
  redirectUris: string[];
}

export interface AccountAppsService {
  /** Own apps; staff and superusers see every client. */
  list(viewer: Viewer): Promise<ClientSummary[]>;
  /** The client when the viewer may see it. */
  find(viewer: Viewer, clientId: string): Promise<ClientSummary | undefined>;
  register(viewer: Viewer, app: NewApp): Promise<{ client: ClientSummary; secret?: string }>;
  rotateSecret(viewer: Viewer, clientId: string): Promise<{ client: ClientSummary; secret: string } | undefined>;
  remove(viewer: Viewer, clientId: string): Promise<boolean>;
  /** Superusers only; clients in code keep what the code says. */
  setFirstParty(viewer: Viewer, clientId: string, firstParty: boolean): Promise<boolean>;
}

const isStaff = (viewer: Viewer) => viewer.role === 'staff' || viewer.role === 'superuser';

/** The viewer registered this app from "My apps", so may rotate its secret or delete it. */
export const ownsApp = (viewer: Viewer, client: ClientSummary) => client.source === 'account' && client.ownerId === viewer.id;

/** Client definition for each kind: a web app has a secret; SPA, native and device apps are public and use PKCE. */
function definitionFor(app: NewApp): NewClientInput {
  const common = { name: app.name, scopes: ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'] };
  const interactive: NewClientInput['grantTypes'] = ['authorization_code', 'refresh_token'];
  switch (app.kind) {
    case 'web':
      return { ...common, type: 'confidential', applicationType: 'web', redirectUris: app.redirectUris, grantTypes: interactive };
    case 'spa':
      return { ...common, type: 'public', applicationType: 'web', redirectUris: app.redirectUris, grantTypes: interactive };
    case 'native':
      return { ...common, type: 'public', applicationType: 'native', redirectUris: app.redirectUris, grantTypes: interactive };
    case 'device':
      return { ...common, type: 'public', applicationType: 'native', redirectUris: [], grantTypes: [DEVICE_GRANT, 'refresh_token'], responseTypes: [] };
  }
}

/**
 * "My apps" on the account page, over the operators' client service: the same
 * parser, redirect URI policy and secret handling; source `account` and the
 * person as owner.
 */
export function createAccountAppsService({ db, supportedScopes, clients }: { db: Kysely<Database>; supportedScopes: readonly string[]; clients?: ClientService }): AccountAppsService {
  const service = clients ?? createClientService({ db, supportedScopes });

  async function visible(viewer: Viewer, clientId: string): Promise<ClientSummary | undefined> {
    const client = await service.findClient(clientId);
    return client && (ownsApp(viewer, client) || isStaff(viewer)) ? client : undefined;
  }

  return {
    list: (viewer) => service.listClients(isStaff(viewer) ? {} : { source: 'account', ownerId: viewer.id }),
    find: visible,
    register: (viewer, app) => service.createClient(definitionFor(app), { source: 'account', ownerId: viewer.id }),

    async rotateSecret(viewer, clientId) {
      const client = await service.findClient(clientId);
      if (!client || !ownsApp(viewer, client)) return undefined;
      return service.rotateSecret(clientId);
    },

    async remove(viewer, clientId) {
      const client = await service.findClient(clientId);
      if (!client || !ownsApp(viewer, client)) return false;
      await service.deleteClient(clientId);
      return true;
    },

    async setFirstParty(viewer, clientId, firstParty) {
      if (viewer.role !== 'superuser') return false;
      const row = await findClientRow(db, clientId);
      if (!row || row.source === 'code') return false;
      // The provider reads first_party from the metadata; the column is for operators' queries.
      return updateClientRow(db, clientId, { firstParty, metadata: { ...row.metadata, first_party: firstParty } });
    },
  };
}

/** One readable line per problem, without the "client <id>:" prefix meant for operators. */
export function describeAppProblems(err: unknown): string[] | undefined {
  if (!(err instanceof ClientError)) return undefined;
  const problems = err instanceof InvalidClientInputError ? err.problems : [err.message];
  // "client <id>: " or, for a client without a chosen id, "client (new) \"<name>\": " (client-service.ts).
  return problems.map((line) => line.replace(/^client (?:\(new\) "(?:[^"\\]|\\.)*"|[^:]+): /, '').replace(/^redirectUris(\.\d+)?: /, 'redirect URI: '));
}
