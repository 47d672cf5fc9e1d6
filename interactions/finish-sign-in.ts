import type { Context } from 'koa';
import type { AuditEntry } from '../src/audit/audit-log.js';
import { combineMethods, isMultiFactor, type AuthenticationMethod } from '../src/accounts/factors/authentication-methods.js';
import { MFA_ACR, PASSWORD_ACR } from '../src/oidc/configuration/build-id-token-claims.js';
import { clientIdOf, type InteractionDeps, type InteractionDetails } from './interaction-deps.js';
import { requestOrigin } from '../src/audit/request-origin.js';

export type FactorName = 'passkey' | 'totp' | 'recovery_code';

/** The acr for a set of methods: the MFA class once two factors were used. */
export function acrOf(amr: readonly string[]): string {
  return isMultiFactor(amr) ? MFA_ACR : PASSWORD_ACR;
}

/** Whether the browser's provider session is transient ("keep me signed in" not ticked), so a new login result keeps it so. */
async function isTransientSession(ctx: Context, deps: InteractionDeps): Promise<boolean> {
  const session = await deps.provider.Session.get(ctx as unknown as Parameters<typeof deps.provider.Session.get>[0]);
  return (session as { transient?: boolean }).transient === true;
}

/**
 * The login result after a second factor: the session's methods plus the
 * new ones (RFC 8176, `mfa` once two factors), the MFA acr, and a new login
 * time, so `auth_time` is the time of the last factor (oidc-provider's
 * Session#loginAccount sets loginTs when `ts` is not given).
 */
export async function secondFactorResult(ctx: Context, deps: InteractionDeps, details: InteractionDetails, accountId: string, methods: readonly AuthenticationMethod[]) {
  const amr = combineMethods(details.session?.amr, methods);
  return { login: { accountId, amr, acr: acrOf(amr), remember: !(await isTransientSession(ctx, deps)) } };
}

/** Finishes the interaction after a second factor; oidc-provider redirects back to the authorization endpoint. */
export async function finishWithSecondFactor(
  ctx: Context, deps: InteractionDeps, details: InteractionDetails, accountId: string, methods: readonly AuthenticationMethod[],
): Promise<void> {
  const result = await secondFactorResult(ctx, deps, details, accountId, methods);
  await deps.provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
}

/** Writes an mfa.* event for this interaction: the person, the client, where from. */
export async function recordFactorEvent(
  ctx: Context, deps: InteractionDeps, details: InteractionDetails,
  entry: { event: Extract<AuditEntry['event'], `mfa.${string}`>; accountId: string; factor: FactorName; details?: Record<string, unknown> },
): Promise<void> {
  await deps.audit?.record({
    event: entry.event, actor: entry.accountId, clientId: clientIdOf(details) || null, ...requestOrigin(ctx),
    details: { factor: entry.factor, source: 'sign-in', ...entry.details },
  });
}
