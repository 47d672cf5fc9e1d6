import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, Role } from '../db/schema.js';
import { AccountNotFoundError, DuplicateUsernameError } from './account-errors.js';
import { newUserSchema, parseAccountInput, passwordSchema, roleSchema, type NewUserInput } from './account-input.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.js';
import * as users from './users-repository.js';
import { updateAccountProfile, type ProfileChanges } from './account-profile.js';
import { readStoredClaims, type StandardClaims } from './standard-claims.js';
import { revokeAccountEntities } from '../../adapters/revoke-entities.js';
import { isUniqueViolation } from '../db/unique-violation.js';

/** A user as callers see it: never the password hash. */
export interface User {
  id: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** The other OpenID Connect Core §5.1 claims (given_name, picture, address, …). */
  claims: StandardClaims;
  role: Role;
  active: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AccountService {
  /** The user, or null for an unknown user, a wrong password or an inactive user alike. */
  authenticate(username: string, password: string): Promise<User | null>;
  findActiveUser(id: string): Promise<User | undefined>;
  findUser(id: string): Promise<User | undefined>;
  findUserByUsername(username: string): Promise<User | undefined>;
  createUser(input: NewUserInput): Promise<User>;
  setPassword(id: string, password: string): Promise<User>;
  setRole(id: string, role: Role): Promise<User>;
  setActive(id: string, active: boolean): Promise<User>;
  /** Name, e-mail and standard claims; throws InvalidAccountInputError naming each bad value. */
  updateProfile(id: string, changes: ProfileChanges): Promise<User>;
  listUsers(page?: { limit?: number; offset?: number }): Promise<User[]>;
  /** One page of a search by username or e-mail prefix, or id (users-repository.ts searchUsers); `next` is the cursor of the page after. */
  searchUsers(search: { query?: string; after?: string; limit?: number }): Promise<UserPage>;
  countUsers(): Promise<number>;
  /** Usernames by id (unknown ids are left out), for lists that name people. */
  usernamesOf(ids: readonly string[]): Promise<Map<string, string>>;
  deleteUser(id: string): Promise<boolean>;
}

export interface UserPage {
  users: User[];
  /** Absent on the last page. */
  next?: string;
}

export interface AccountServiceDeps {
  db: Kysely<Database>;
  bcryptCost: number;
}

export function toUser(row: users.UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    emailVerified: row.email_verified,
    name: row.name,
    claims: readStoredClaims(row.claims),
    role: row.role,
    active: row.active,
    lastLoginAt: row.last_login_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** One bcrypt compare on every path (unknown user, wrong password, inactive user), so timing tells nothing. */
async function authenticate({ db, bcryptCost }: AccountServiceDeps, username: string, password: string): Promise<User | null> {
  const row = await users.findUserByUsername(db, username.trim());
  const valid = row ? await verifyPassword(password, row.password_hash) : await verifyAgainstDummy(password, bcryptCost);
  if (!row || !valid || !row.active) return null;
  const updated = await users.recordLogin(db, row.id);
  return updated ? toUser(updated) : null;
}

async function createUser({ db, bcryptCost }: AccountServiceDeps, input: NewUserInput): Promise<User> {
  const { username, password, role, email, name } = parseAccountInput(newUserSchema, input);
  if (await users.findUserByUsername(db, username)) throw new DuplicateUsernameError(username);
  const passwordHash = await hashPassword(password, bcryptCost);
  try {
    const row = await users.insertUser(db, {
      id: randomUUID(), username, password_hash: passwordHash, role, email: email ?? null, name: name ?? null,
    });
    return toUser(row);
  } catch (err) {
    // Two concurrent creations of the same name: the unique index decides.
    if (isUniqueViolation(err)) throw new DuplicateUsernameError(username);
    throw err;
  }
}

async function updateOrThrow(db: Kysely<Database> | Transaction<Database>, id: string, changes: users.UserChanges): Promise<User> {
  const row = await users.updateUser(db, id, changes);
  if (!row) throw new AccountNotFoundError(id);
  return toUser(row);
}

export function createAccountService(deps: AccountServiceDeps): AccountService {
  const { db, bcryptCost } = deps;
  // Made now so the first login for an unknown name is not slower than the rest.
  verifyAgainstDummy('', bcryptCost).catch(() => undefined);

  return {
    authenticate: (username, password) => authenticate(deps, username, password),
    createUser: (input) => createUser(deps, input),

    async findActiveUser(id) {
      const row = await users.findUserById(db, id);
      return row?.active ? toUser(row) : undefined;
    },
    async findUser(id) {
      const row = await users.findUserById(db, id);
      return row ? toUser(row) : undefined;
    },
    async findUserByUsername(username) {
      const row = await users.findUserByUsername(db, username.trim());
      return row ? toUser(row) : undefined;
    },

    async setPassword(id, password) {
      const valid = parseAccountInput(passwordSchema, password);
      return updateOrThrow(db, id, { password_hash: await hashPassword(valid, bcryptCost) });
    },
    setRole: async (id, role) => updateOrThrow(db, id, { role: parseAccountInput(roleSchema, role) }),
    // Disabling signs the person out everywhere at once: sessions, grants and
    // tokens go with it, so nothing issued before comes back on re-enable.
    setActive: (id, active) => db.transaction().execute(async (trx) => {
      const user = await updateOrThrow(trx, id, { active });
      if (!active) await revokeAccountEntities(trx, id);
      return user;
    }),

    updateProfile: async (id, changes) => toUser(await updateAccountProfile(db, id, changes)),

    listUsers: async (page) => (await users.listUsers(db, page)).map(toUser),
    async searchUsers({ query, after, limit = 50 }) {
      // One row more than asked tells whether another page follows.
      const rows = await users.searchUsers(db, { query, after, limit: limit + 1 });
      const page = rows.slice(0, limit).map(toUser);
      return rows.length > limit ? { users: page, next: page[page.length - 1]!.id } : { users: page };
    },
    countUsers: () => users.countUsers(db),
    usernamesOf: (ids) => users.findUsernames(db, ids),
    deleteUser: (id) => db.transaction().execute(async (trx) => {
      await revokeAccountEntities(trx, id);
      return users.deleteUser(trx, id);
    }),
  };
}
