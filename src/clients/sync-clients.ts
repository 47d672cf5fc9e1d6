import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { parseClientDefinition, type ClientDefinition, type ClientDefinitionInput } from './client-definition.js';
import { clientDefinitionProblems, toClientMetadata } from './client-metadata.js';
import { DEFAULT_REDIRECT_URI_RULES, type RedirectUriRules } from './redirect-uri-policy.js';
import { createClientSecretVerifier, hashClientSecret } from './client-secret.js';
import { revokeClientEntities } from '../../adapters/revoke-entities.js';
import { findClientRow, listClientRows, updateClientRow, upsertClientRow } from './clients-repository.js';

export class ClientConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid client configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ClientConfigError';
  }
}

export interface ValidatedClient {
  definition: ClientDefinition;
  metadata: Record<string, unknown>;
  secret: string | undefined;
}

/** Parses and checks every definition; throws one error listing every problem. */
export function validateClientDefinitions(
  inputs: readonly ClientDefinitionInput[],
  supportedScopes: readonly string[],
  secretFromEnv: (name: string) => string | undefined,
  redirectRules: RedirectUriRules = DEFAULT_REDIRECT_URI_RULES,
): ValidatedClient[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const clients: ValidatedClient[] = [];
  inputs.forEach((input, index) => {
    const { definition, problems: schemaProblems } = parseClientDefinition(input, `#${index}`);
    problems.push(...schemaProblems);
    if (!definition) return;
    if (seen.has(definition.clientId)) problems.push(`client ${definition.clientId}: defined twice`);
    seen.add(definition.clientId);
    const found = clientDefinitionProblems(definition, supportedScopes, 'env', redirectRules);
    const secret = definition.secretEnv ? secretFromEnv(definition.secretEnv) : undefined;
    if (definition.secretEnv && !secret) found.push(`client ${definition.clientId}: environment variable ${definition.secretEnv} is not set`);
    if (secret && secret.length < 32) found.push(`client ${definition.clientId}: the secret in ${definition.secretEnv} must be at least 32 characters`);
    problems.push(...found);
    if (found.length === 0) clients.push({ definition, metadata: toClientMetadata(definition), secret });
  });
  if (problems.length) throw new ClientConfigError(problems);
  return clients;
}

/**
 * Makes the clients table agree with the code: creates and updates defined
 * clients and disables code clients that were removed. Idempotent, and
 * serialised across instances that boot together.
 */
export async function syncClients(db: Kysely<Database>, clients: readonly ValidatedClient[]): Promise<{ upserted: number; disabled: number }> {
  const verifier = createClientSecretVerifier();
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('sync_clients'))`.execute(trx);
    for (const { definition, metadata, secret } of clients) {
      const existing = await findClientRow(trx, definition.clientId);
      if (existing && existing.source !== 'code') {
        throw new ClientConfigError([`client ${definition.clientId}: the id is already used by a ${existing.source} client`]);
      }
      // Re-hash only when the secret changed, so a boot does not churn hashes.
      const keepHash = secret && existing?.secretHash && await verifier.verify(secret, existing.secretHash);
      const secretHash = secret ? (keepHash ? existing!.secretHash : await hashClientSecret(secret)) : null;
      await upsertClientRow(trx, { clientId: definition.clientId, metadata, secretHash, source: 'code', firstParty: definition.firstParty, active: true });
    }
    const defined = new Set(clients.map((client) => client.definition.clientId));
    let disabled = 0;
    for (const row of await listClientRows(trx, { source: 'code' })) {
      if (!defined.has(row.clientId) && row.active) {
        await updateClientRow(trx, row.clientId, { active: false });
        // As when an operator disables a client: what it was issued stops working now.
        await revokeClientEntities(trx, row.clientId);
        disabled += 1;
      }
    }
    return { upserted: clients.length, disabled };
  });
}

/**
 * The active clients exempted from PKCE (`pkce: optional`), whatever their
 * source, so the composition root can name each one at boot: the exemption
 * weakens code-injection protection (RFC 9700 §2.1.1) and must stay visible.
 */
export async function findPkceOptionalClients(db: Kysely<Database>): Promise<Array<{ clientId: string; source: string }>> {
  return (await listClientRows(db))
    .filter((row) => row.active && row.metadata.pkce === 'optional')
    .map((row) => ({ clientId: row.clientId, source: row.source }));
}
