import { z } from 'zod';
import { consumeAccountTokenOf, issueAccountToken, peekAccountToken } from '../account-tokens.js';
import { findPendingAccountToken, deleteAccountTokens } from '../account-tokens-repository.js';
import * as users from '../users-repository.js';
import { deliver, LINK_PATHS, linkTo, recordEvent, type Delivery, type LifecycleDeps, type RequestOrigin } from './lifecycle-deps.js';

/** An account as far as its address is concerned. */
export interface AddressHolder {
  id: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
}

export type EmailChangeResult =
  | { ok: true; kind: 'change' | 'verify'; delivery: Promise<boolean> }
  | { ok: false; reason: 'invalid' | 'unchanged' | 'throttled'; message: string };

const emailSchema = z.email().max(254);

/**
 * Mails a link that confirms the account's current address (set by an
 * operator, or at sign-up). `welcome` words it for a new account.
 */
export async function sendVerification(deps: LifecycleDeps, user: AddressHolder, origin: RequestOrigin, welcome = false): Promise<Delivery> {
  if (!user.email) return { delivery: Promise.resolve(false) };
  const token = await issueAccountToken(deps.db, {
    purpose: 'email_verification', userId: user.id, email: user.email, ttlSeconds: deps.linkTtlSeconds, replaces: ['email_verification'],
  });
  await recordEvent(deps, origin, 'email.verification_sent', user.id, { user_id: user.id, change: false });
  return {
    delivery: deliver(deps, 'email_verification', deps.mails.verifyEmail({
      to: user.email, username: user.username, link: linkTo(deps, LINK_PATHS.verifyEmail, token), ttlSeconds: deps.linkTtlSeconds, welcome,
    })),
  };
}

/**
 * A new address asked for on the account page. The account keeps its old
 * address (and what apps are told about it) until the new one is confirmed
 * from the link mailed to it; the old address is told about the request.
 * Asking for the current, unverified address sends its verification again.
 */
export async function requestEmailChange(deps: LifecycleDeps, user: AddressHolder, email: string, origin: RequestOrigin): Promise<EmailChangeResult> {
  const parsed = emailSchema.safeParse(email.trim());
  if (!parsed.success) return { ok: false, reason: 'invalid', message: 'Enter an e-mail address such as name@example.com.' };
  const same = user.email !== null && user.email.toLowerCase() === parsed.data.toLowerCase();
  if (same && user.emailVerified) return { ok: false, reason: 'unchanged', message: 'This is your address already, and it is verified.' };
  const verdict = await deps.throttle.byAccount(user.id);
  if (!verdict.allowed) {
    const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
    return { ok: false, reason: 'throttled', message: `Too many links were sent to this account. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` };
  }
  if (same) return { ok: true, kind: 'verify', ...(await sendVerification(deps, user, origin)) };
  const token = await issueAccountToken(deps.db, {
    purpose: 'email_change', userId: user.id, email: parsed.data, ttlSeconds: deps.linkTtlSeconds, replaces: ['email_change'],
  });
  await recordEvent(deps, origin, 'email.verification_sent', user.id, { user_id: user.id, change: true });
  const toNew = deliver(deps, 'email_verification', deps.mails.verifyEmail({
    to: parsed.data, username: user.username, link: linkTo(deps, LINK_PATHS.verifyEmail, token), ttlSeconds: deps.linkTtlSeconds, welcome: false,
  }));
  const toOld = user.email
    ? deliver(deps, 'email_change_notice', deps.mails.emailChangeNotice({ to: user.email, username: user.username, newEmail: parsed.data }))
    : Promise.resolve(true);
  return { ok: true, kind: 'change', delivery: Promise.all([toNew, toOld]).then(([a, b]) => a && b) };
}

/** The address a pending change would set, while its link works. */
export async function pendingEmailChange(deps: LifecycleDeps, userId: string): Promise<string | undefined> {
  return (await findPendingAccountToken(deps.db, userId, 'email_change'))?.email ?? undefined;
}

/** What a verification link would confirm, while it works (nothing is used up). */
export async function checkVerifyLink(deps: LifecycleDeps, token: unknown): Promise<{ username: string; email: string } | undefined> {
  const row = await peekAccountToken(deps.db, token, ['email_verification', 'email_change']);
  const user = row?.email ? await users.findUserById(deps.db, row.user_id) : undefined;
  return user && row?.email ? { username: user.username, email: row.email } : undefined;
}

/**
 * Uses a verification link: the address it was sent to becomes the
 * account's, verified. A link for an address the account no longer has (an
 * operator changed it since) is refused, so an old link cannot bring an old
 * address back; a change link sets the new address.
 */
export async function confirmEmail(deps: LifecycleDeps, token: unknown, origin: RequestOrigin): Promise<{ ok: true; email: string } | { ok: false }> {
  const done = await deps.db.transaction().execute(async (trx) => {
    const link = await consumeAccountTokenOf(trx, token, ['email_verification', 'email_change']);
    const row = link?.email ? await users.findUserForUpdate(trx, link.user_id) : undefined;
    if (!link?.email || !row) return undefined;
    const current = row.email?.toLowerCase() === link.email.toLowerCase();
    if (link.purpose === 'email_verification' && !current) return undefined;
    await users.updateUser(trx, row.id, { email: link.email, email_verified: true });
    // The address is settled: other links for an address stop working.
    await deleteAccountTokens(trx, row.id, ['email_verification', 'email_change']);
    return { userId: row.id, email: link.email, changed: !current };
  });
  if (!done) return { ok: false };
  await recordEvent(deps, origin, 'email.verified', done.userId, { user_id: done.userId, change: done.changed });
  return { ok: true, email: done.email };
}
