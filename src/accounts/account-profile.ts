import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { AccountNotFoundError } from './account-errors.js';
import { parseAccountInput } from './account-input.js';
import { applyClaimChanges, readStoredClaims, type ClaimChanges } from './standard-claims.js';
import * as users from './users-repository.js';

/**
 * A change to what an account tells relying parties about its person: a value
 * sets, null (or '') clears, undefined leaves. Used by the operator's CLI and
 * by the person's own profile page.
 */
export interface ProfileChanges {
  name?: string | null;
  email?: string | null;
  emailVerified?: boolean;
  claims?: ClaimChanges;
}

const columnsSchema = z.object({
  name: z.string().trim().max(200, { message: 'must be at most 200 characters' }).nullish(),
  email: z.union([z.literal(''), z.email({ message: 'must be an e-mail address' }).max(254)]).nullish(),
});

/**
 * Applies `changes` under a row lock, so two edits of different claims at
 * the same time both land. A new e-mail address or phone number is no longer
 * verified unless the change says so (Core §5.1 *_verified: "verified at the
 * time the verification was performed").
 */
export async function updateAccountProfile(db: Kysely<Database>, id: string, changes: ProfileChanges): Promise<users.UserRow> {
  const columns = parseAccountInput(columnsSchema, { name: changes.name, email: changes.email });
  return db.transaction().execute(async (trx) => {
    const row = await users.findUserForUpdate(trx, id);
    if (!row) throw new AccountNotFoundError(id);
    const update: users.UserChanges = {};
    if (columns.name !== undefined) update.name = columns.name || null;
    if (columns.email !== undefined) {
      update.email = columns.email || null;
      if (update.email !== row.email) update.email_verified = false;
    }
    if (changes.emailVerified !== undefined) update.email_verified = changes.emailVerified;
    if (changes.claims) update.claims = applyClaimChanges(readStoredClaims(row.claims), changes.claims);
    const updated = await users.updateUser(trx, id, update);
    if (!updated) throw new AccountNotFoundError(id);
    return updated;
  });
}
