import type { AccountTokenPurpose } from '../../db/schema.js';
import { consumeAccountTokenOf, issueAccountToken, newToken, peekAccountToken } from '../account-tokens.js';
import { passwordSchema } from '../account-input.js';
import { hashPassword } from '../passwords.js';
import * as users from '../users-repository.js';
import { deliver, LINK_PATHS, linkTo, recordEvent, type LifecycleDeps, type RequestOrigin } from './lifecycle-deps.js';

export type PasswordLinkPurpose = Extract<AccountTokenPurpose, 'password_reset' | 'invitation'>;

export type PasswordLinkResult =
  | { ok: true; userId: string; username: string }
  | { ok: false; reason: 'invalid-password'; message: string }
  | { ok: false; reason: 'invalid-link' };

// Accounts sharing one address each get their own link; a handful at most.
const MAX_ACCOUNTS_PER_ADDRESS = 5;

async function accountsFor(deps: LifecycleDeps, identifier: string): Promise<users.UserRow[]> {
  const byName = await users.findUserByUsername(deps.db, identifier);
  if (byName) return [byName];
  return identifier.includes('@') ? users.findUsersByEmail(deps.db, identifier, MAX_ACCOUNTS_PER_ADDRESS) : [];
}

/**
 * "Forgot password": mails a reset link to each active account known by this
 * username or address that has one. Meant to run after the page has answered
 * (interactions/password-reset.ts), so nothing here shows in the answer or
 * its timing; a token is made first on every path all the same. A new link
 * replaces the account's older ones. The per-account limit refuses silently.
 */
export async function requestPasswordReset(deps: LifecycleDeps, identifier: string, origin: RequestOrigin): Promise<void> {
  const prepared = newToken();
  const found = await accountsFor(deps, identifier.trim());
  // A disabled account, or one without an address, gets no link.
  const accounts = found.filter((row) => row.active && row.email);
  if (accounts.length === 0) {
    await recordEvent(deps, origin, 'password_reset.requested', found[0]?.id ?? null, { known_account: found.length > 0, sent: false });
    return;
  }
  for (const [index, row] of accounts.entries()) {
    const verdict = await deps.throttle.byAccount(row.id);
    if (!verdict.allowed) {
      await recordEvent(deps, origin, 'password_reset.requested', row.id, { known_account: true, throttled: true });
      continue;
    }
    const token = await issueAccountToken(deps.db, {
      purpose: 'password_reset', userId: row.id, email: row.email, ttlSeconds: deps.linkTtlSeconds, replaces: ['password_reset'],
      token: index === 0 ? prepared : undefined,
    });
    const sent = await deliver(deps, 'password_reset', deps.mails.passwordReset({
      to: row.email!, username: row.username, link: linkTo(deps, LINK_PATHS.passwordReset, token), ttlSeconds: deps.linkTtlSeconds,
    }));
    await recordEvent(deps, origin, 'password_reset.requested', row.id, { known_account: true, sent });
  }
}

/** The account a password link is for, while the link can still be used (nothing is used up). */
export async function checkPasswordLink(deps: LifecycleDeps, token: unknown, purpose: PasswordLinkPurpose): Promise<{ username: string } | undefined> {
  const row = await peekAccountToken(deps.db, token, [purpose]);
  const user = row && await users.findUserById(deps.db, row.user_id);
  return user?.active ? { username: user.username } : undefined;
}

/**
 * Sets the password through a reset or invitation link. The password is
 * checked first (a typo must not use the link up), then the link is used and
 * the password stored in one transaction. The link came to the account's
 * address, so that address is verified by it. Signing out the account's
 * sessions is the page's (the provider's sessions are not accounts' business).
 */
export async function redeemPasswordLink(
  deps: LifecycleDeps, purpose: PasswordLinkPurpose, token: unknown, password: string, origin: RequestOrigin,
): Promise<PasswordLinkResult> {
  const parsed = passwordSchema.safeParse(password);
  if (!parsed.success) return { ok: false, reason: 'invalid-password', message: `The password ${parsed.error.issues[0]?.message ?? 'is not valid'}.` };
  const hash = await hashPassword(parsed.data, deps.bcryptCost);
  const done = await deps.db.transaction().execute(async (trx) => {
    const link = await consumeAccountTokenOf(trx, token, [purpose]);
    const row = link && await users.findUserForUpdate(trx, link.user_id);
    if (!link || !row?.active) return undefined;
    const verifies = link.email !== null && row.email !== null && link.email.toLowerCase() === row.email.toLowerCase();
    await users.updateUser(trx, row.id, { password_hash: hash, ...(verifies ? { email_verified: true } : {}) });
    return { userId: row.id, username: row.username, verified: verifies && !row.email_verified };
  });
  if (!done) return { ok: false, reason: 'invalid-link' };
  const event = purpose === 'invitation' ? 'invitation.accepted' : 'password_reset.completed';
  await recordEvent(deps, origin, event, done.userId, { user_id: done.userId, email_verified: done.verified });
  return { ok: true, userId: done.userId, username: done.username };
}
