import { checkVerifyLink, confirmEmail, pendingEmailChange, requestEmailChange, sendVerification, type AddressHolder, type EmailChangeResult } from './email-verification.js';
import { invite, resendInvitation, type Invitation, type InvitationInput } from './invitations.js';
import type { User } from '../account-service.js';
import type { Delivery, LifecycleDeps, RequestOrigin, SignupMode } from './lifecycle-deps.js';
import type { MailThrottle } from './mail-throttle.js';
import { checkPasswordLink, redeemPasswordLink, requestPasswordReset, type PasswordLinkPurpose, type PasswordLinkResult } from './password-links.js';
import { signUp, type SignUpInput, type SignUpResult } from './sign-up.js';

export type { LifecycleDeps, RequestOrigin, SignupMode } from './lifecycle-deps.js';
export { LINK_PATHS } from './lifecycle-deps.js';
export type { AddressHolder, EmailChangeResult, Invitation, InvitationInput, PasswordLinkPurpose, PasswordLinkResult, SignUpInput, SignUpResult };

/**
 * The account lifecycle by e-mail (issue 14): password reset, address
 * verification, invitations and sign-up. Pages and the CLI use it; it keeps
 * the links (account-tokens.ts), the mails (src/mail/) and the audit events
 * together. Every method that mails returns the delivery separately, so a
 * page answers without waiting for the SMTP server.
 */
export interface AccountLifecycle {
  /** False in production without SMTP_URL: no mail goes out, the pages do not offer these features. */
  readonly mailEnabled: boolean;
  readonly signup: SignupMode;
  readonly throttle: MailThrottle;
  requestPasswordReset(identifier: string, origin: RequestOrigin): Promise<void>;
  checkPasswordLink(token: unknown, purpose: PasswordLinkPurpose): Promise<{ username: string } | undefined>;
  redeemPasswordLink(purpose: PasswordLinkPurpose, token: unknown, password: string, origin: RequestOrigin): Promise<PasswordLinkResult>;
  sendVerification(user: AddressHolder, origin: RequestOrigin): Promise<Delivery>;
  requestEmailChange(user: AddressHolder, email: string, origin: RequestOrigin): Promise<EmailChangeResult>;
  pendingEmailChange(userId: string): Promise<string | undefined>;
  checkVerifyLink(token: unknown): Promise<{ username: string; email: string } | undefined>;
  confirmEmail(token: unknown, origin: RequestOrigin): Promise<{ ok: true; email: string } | { ok: false }>;
  invite(input: InvitationInput, origin: RequestOrigin): Promise<Invitation>;
  resendInvitation(user: User, origin: RequestOrigin): Promise<Invitation>;
  signUp(input: SignUpInput, origin: RequestOrigin): Promise<SignUpResult>;
}

export function createAccountLifecycle(deps: LifecycleDeps & { signup: SignupMode }): AccountLifecycle {
  return {
    mailEnabled: deps.mails.enabled,
    signup: deps.signup,
    throttle: deps.throttle,
    requestPasswordReset: (identifier, origin) => requestPasswordReset(deps, identifier, origin),
    checkPasswordLink: (token, purpose) => checkPasswordLink(deps, token, purpose),
    redeemPasswordLink: (purpose, token, password, origin) => redeemPasswordLink(deps, purpose, token, password, origin),
    sendVerification: (user, origin) => sendVerification(deps, user, origin),
    requestEmailChange: (user, email, origin) => requestEmailChange(deps, user, email, origin),
    pendingEmailChange: (userId) => pendingEmailChange(deps, userId),
    checkVerifyLink: (token) => checkVerifyLink(deps, token),
    confirmEmail: (token, origin) => confirmEmail(deps, token, origin),
    invite: (input, origin) => invite(deps, input, origin),
    resendInvitation: (user, origin) => resendInvitation(deps, user, origin),
    signUp: (input, origin) => signUp(deps, input, origin),
  };
}
