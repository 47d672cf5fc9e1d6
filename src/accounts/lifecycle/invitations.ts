import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Role } from '../../db/schema.js';
import { AccountError, DuplicateUsernameError } from '../account-errors.js';
import { newUserSchema, parseAccountInput } from '../account-input.js';
import { toUser, type User } from '../account-service.js';
import { issueAccountToken } from '../account-tokens.js';
import { hashPassword } from '../passwords.js';
import * as users from '../users-repository.js';
import { deliver, LINK_PATHS, linkTo, recordEvent, type Delivery, type LifecycleDeps, type RequestOrigin } from './lifecycle-deps.js';
import { isUniqueViolation } from '../../db/unique-violation.js';

export interface InvitationInput {
  email: string;
  /** Defaults to the address. */
  username?: string;
  name?: string;
  role?: Role;
}

export interface Invitation extends Delivery {
  user: User;
  expiresAt: Date;
}

const invitationSchema = newUserSchema.omit({ password: true }).extend({
  email: z.email({ message: 'must be an e-mail address' }).max(254),
});

/**
 * `users invite`: an account without a usable password (its hash is of 256
 * random bits nobody holds, so it is a bcrypt hash like any other and a
 * sign-in attempt costs the same), and a link to the address with which the
 * person chooses one (INVITATION_LINK_TTL). Choosing it verifies the address.
 */
export async function invite(deps: LifecycleDeps, input: InvitationInput, origin: RequestOrigin): Promise<Invitation> {
  const valid = parseAccountInput(invitationSchema, { ...input, username: input.username ?? input.email });
  if (await users.findUserByUsername(deps.db, valid.username)) throw new DuplicateUsernameError(valid.username);
  const unusable = await hashPassword(randomBytes(32).toString('base64url'), deps.bcryptCost);
  let row: users.UserRow;
  try {
    row = await users.insertUser(deps.db, {
      id: randomUUID(), username: valid.username, password_hash: unusable, role: valid.role, email: valid.email, name: valid.name ?? null,
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DuplicateUsernameError(valid.username);
    throw err;
  }
  const token = await issueAccountToken(deps.db, {
    purpose: 'invitation', userId: row.id, email: valid.email, ttlSeconds: deps.invitationTtlSeconds, replaces: ['invitation'],
  });
  await recordEvent(deps, origin, 'user.invited', null, { user_id: row.id, role: row.role });
  const delivery = deliver(deps, 'invitation', deps.mails.invitation({
    to: valid.email, username: row.username, link: linkTo(deps, LINK_PATHS.invitation, token), ttlSeconds: deps.invitationTtlSeconds,
  }));
  return { user: toUser(row), expiresAt: new Date(Date.now() + deps.invitationTtlSeconds * 1000), delivery };
}

/**
 * A new invitation link for an account made by `users invite` whose person
 * has not chosen a password yet (the first link expired or the mail was
 * lost); older invitation links stop working.
 */
export async function resendInvitation(deps: LifecycleDeps, user: User, origin: RequestOrigin): Promise<Invitation> {
  if (!user.email) throw new AccountError(`${user.username} has no e-mail address to send an invitation to`);
  const token = await issueAccountToken(deps.db, {
    purpose: 'invitation', userId: user.id, email: user.email, ttlSeconds: deps.invitationTtlSeconds, replaces: ['invitation'],
  });
  await recordEvent(deps, origin, 'user.invited', null, { user_id: user.id, role: user.role, again: true });
  const delivery = deliver(deps, 'invitation', deps.mails.invitation({
    to: user.email, username: user.username, link: linkTo(deps, LINK_PATHS.invitation, token), ttlSeconds: deps.invitationTtlSeconds,
  }));
  return { user, expiresAt: new Date(Date.now() + deps.invitationTtlSeconds * 1000), delivery };
}
