import { AccountError, DuplicateUsernameError, InvalidAccountInputError } from '../account-errors.js';
import type { User } from '../account-service.js';
import { sendVerification } from './email-verification.js';
import { recordEvent, type Delivery, type LifecycleDeps, type RequestOrigin } from './lifecycle-deps.js';

export interface SignUpInput {
  username: string;
  email: string;
  name?: string;
  password: string;
}

export type SignUpResult =
  | ({ ok: true; user: User } & Delivery)
  | { ok: false; problems: string[]; usernameTaken: boolean };

/**
 * Self-service registration (SIGNUP=open): the account is made with the
 * `user` role and its address unverified; the welcome mail carries the link
 * that verifies it. Until then apps are told email_verified=false.
 */
export async function signUp(deps: LifecycleDeps, input: SignUpInput, origin: RequestOrigin): Promise<SignUpResult> {
  if (!input.email.trim()) return { ok: false, problems: ['email: must be an e-mail address'], usernameTaken: false };
  let user: User;
  try {
    user = await deps.accounts.createUser({
      username: input.username, email: input.email.trim(), name: input.name?.trim() || undefined, password: input.password, role: 'user',
    });
  } catch (err) {
    if (err instanceof InvalidAccountInputError) return { ok: false, problems: [...err.problems], usernameTaken: false };
    if (err instanceof DuplicateUsernameError) return { ok: false, problems: ['username: is taken'], usernameTaken: true };
    if (err instanceof AccountError) return { ok: false, problems: [err.message], usernameTaken: false };
    throw err;
  }
  await recordEvent(deps, origin, 'user.signed_up', user.id, { user_id: user.id });
  return { ok: true, user, ...(await sendVerification(deps, user, origin, true)) };
}
