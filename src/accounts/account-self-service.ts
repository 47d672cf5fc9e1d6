import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { passwordSchema } from './account-input.js';
import { hashPassword, verifyPassword } from './passwords.js';
import * as users from './users-repository.js';

/** What a signed-in person may change about themselves from the account page. */
export interface AccountSelfService {
  /** Changes the password after checking the current one; says what was wrong otherwise. */
  changePassword(userId: string, current: string, next: string): Promise<PasswordChangeResult>;
}

export type PasswordChangeResult =
  | { ok: true }
  | { ok: false; reason: 'wrong-current' | 'invalid-new'; message: string };

export function createAccountSelfService({ db, bcryptCost }: { db: Kysely<Database>; bcryptCost: number }): AccountSelfService {
  return {
    async changePassword(userId, current, next) {
      const row = await users.findUserById(db, userId);
      // Always one bcrypt compare, like sign-in, so this is no faster oracle.
      const valid = row ? await verifyPassword(current, row.password_hash) : false;
      if (!row || !valid) return { ok: false, reason: 'wrong-current', message: 'Your current password is not correct.' };
      const parsed = passwordSchema.safeParse(next);
      if (!parsed.success) {
        return { ok: false, reason: 'invalid-new', message: `The new password ${parsed.error.issues[0]?.message ?? 'is not valid'}.` };
      }
      await users.updateUser(db, userId, { password_hash: await hashPassword(parsed.data, bcryptCost) });
      return { ok: true };
    },
  };
}
