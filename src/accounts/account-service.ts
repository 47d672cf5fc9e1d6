import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.js';
import { AccountNotFoundError, DuplicateUsernameError } from './account-errors.js';
import { newUserSchema, parseAccountInput, passwordSchema, roleSchema, type NewUserInput } from './account-input.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.js';
import * as users from './users-repository.js';

/** A user as callers see it: never the password hash. */
export interface User {
  id: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
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
  listUsers(page?: { limit?: number; offset?: number }): Promise<User[]>;
  deleteUser(id: string): Promise<boolean>;
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
    role: row.role,
    active: row.active,
    lastLoginAt: row.last_login_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

export function createAccountService({ db, bcryptCost }: AccountServiceDeps): AccountService {
  // Made now so the first login for an unknown name is not slower than the rest.
  verifyAgainstDummy('', bcryptCost).catch(() => undefined);

  async function update(id: string, changes: users.UserChanges): Promise<User> {
    const row = await users.updateUser(db, id, changes);
    if (!row) throw new AccountNotFoundError(id);
    return toUser(row);
  }

  return {
    async authenticate(username, password) {
      const row = await users.findUserByUsername(db, username.trim());
      // Every path pays exactly one bcrypt compare, so timing tells nothing.
      const valid = row ? await verifyPassword(password, row.password_hash) : await verifyAgainstDummy(password, bcryptCost);
      if (!row || !valid || !row.active) return null;
      const updated = await users.recordLogin(db, row.id);
      return updated ? toUser(updated) : null;
    },

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

    async createUser(input) {
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
    },

    async setPassword(id, password) {
      const valid = parseAccountInput(passwordSchema, password);
      return update(id, { password_hash: await hashPassword(valid, bcryptCost) });
    },

    async setRole(id, role) {
      return update(id, { role: parseAccountInput(roleSchema, role) });
    },

    async setActive(id, active) {
      return update(id, { active });
    },

    async listUsers(page) {
      return (await users.listUsers(db, page)).map(toUser);
    },

    async deleteUser(id) {
      return users.deleteUser(db, id);
    },
  };
}
