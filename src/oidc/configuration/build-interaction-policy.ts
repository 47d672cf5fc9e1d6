import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { isMultiFactor } from '../../accounts/factors/authentication-methods.js';
import type { AccountFactorPolicy } from '../../accounts/factors/second-factors.js';
import { MFA_ACR, PASSWORD_ACR } from './build-id-token-claims.js';
import { signUpPrompt } from './build-sign-up-prompt.js';

const { Check, Prompt, base } = interactionPolicy;

/** The prompt our second-factor page answers (interactions/second-factor.ts). */
export const MFA_PROMPT = 'mfa';

export interface SecondFactorPolicyDeps {
  /** The account's factors and whether its role requires one (MFA_REQUIRED_ROLES); undefined for an unknown account. */
  policyFor(accountId: string): Promise<AccountFactorPolicy | undefined>;
}

interface AcrRequest { essential?: unknown; value?: unknown; values?: unknown }

/** The acr the client asked for: acr_values (oidc-provider turns it into a voluntary id_token.acr claim) or the claims parameter. */
function acrRequest(ctx: KoaContextWithOIDC): { values: string[]; essential: boolean } {
  const request = (ctx.oidc.claims as { id_token?: { acr?: AcrRequest | null } } | undefined)?.id_token?.acr;
  if (!request) return { values: [], essential: false };
  const raw = Array.isArray(request.values) ? request.values : request.value === undefined ? [] : [request.value];
  return { values: raw.filter((value): value is string => typeof value === 'string'), essential: request.essential === true };
}

const sessionAmr = (ctx: KoaContextWithOIDC) => (ctx.oidc.session as { amr?: string[] } | undefined)?.amr;
const sessionAcr = (ctx: KoaContextWithOIDC) => (ctx.oidc.session as { acr?: string } | undefined)?.acr;
const hasTwoFactors = (ctx: KoaContextWithOIDC) => isMultiFactor(sessionAmr(ctx)) || sessionAcr(ctx) === MFA_ACR;
const clientRequires = (ctx: KoaContextWithOIDC) => (ctx.oidc.client?.metadata() as { require_mfa?: unknown } | undefined)?.require_mfa === true;
/**
 * acr_values are in order of preference (Core §3.1.2.1): the MFA class is
 * asked for when it comes first, or when no class a password meets is listed.
 * "sfa mfa" prefers the password class, which the sign-in already meets.
 */
const acrAsksMfa = (ctx: KoaContextWithOIDC) => {
  const { values } = acrRequest(ctx);
  return values.includes(MFA_ACR) && (values[0] === MFA_ACR || !values.includes(PASSWORD_ACR));
};
/** The person chose "continue without" on a voluntary request (acr_values only). */
const skipped = (ctx: KoaContextWithOIDC) => (ctx.oidc.result as { mfa?: { skipped?: unknown } } | undefined)?.mfa?.skipped === true;

/**
 * The account's part of the policy, read once per request (every check of
 * the prompt asks; they run concurrently). Only asked when the session does
 * not already hold two factors, so a signed-in person costs no query.
 */
type AccountPolicyLookup = (ctx: KoaContextWithOIDC) => Promise<AccountFactorPolicy | undefined>;

function accountPolicy(deps: SecondFactorPolicyDeps): AccountPolicyLookup {
  const memo = new WeakMap<object, Promise<AccountFactorPolicy | undefined>>();
  return (ctx) => {
    const accountId = ctx.oidc.session?.accountId;
    if (!accountId) return Promise.resolve(undefined);
    let found = memo.get(ctx);
    if (!found) {
      found = deps.policyFor(accountId);
      memo.set(ctx, found);
    }
    return found;
  };
}

/**
 * The second factor as an interaction prompt of its own (oidc-provider
 * `interactions.policy`), after login and before consent. It is requested,
 * unless the session already holds two factors (RFC 8176 amr: pwd plus otp,
 * hwk or swk, or `mfa`), when:
 * - the account has a passkey or an authenticator app;
 * - the client is defined with `requireMfa` (metadata `require_mfa`);
 * - the account's role is in MFA_REQUIRED_ROLES;
 * - the request asks for the MFA class with acr_values or an acr claim
 *   (Core §3.1.2.1, §5.5.1.1), also inside an existing session (step-up).
 * max_age and prompt=login stay the login prompt's: a new password sign-in
 * replaces the session's amr, so the second factor is asked again after it.
 */
function secondFactorPrompt(policy: AccountPolicyLookup): interactionPolicy.Prompt {
  const needed = (reason: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>) => async (ctx: KoaContextWithOIDC) => {
    if (!ctx.oidc.session?.accountId || hasTwoFactors(ctx)) return Check.NO_NEED_TO_PROMPT;
    return reason(ctx);
  };
  const mandatory = async (ctx: KoaContextWithOIDC) => {
    const account = await policy(ctx);
    return Boolean(account?.hasFactor || account?.roleRequires || clientRequires(ctx) || (acrAsksMfa(ctx) && acrRequest(ctx).essential));
  };
  return new Prompt(
    { name: MFA_PROMPT, requestable: false },
    // What the page needs to choose between asking for a factor and enrolling one.
    async (ctx) => {
      const account = await policy(ctx);
      return { enrol: !account?.hasFactor, skippable: !(await mandatory(ctx)) };
    },
    new Check('account_has_factor', 'the account has a second factor', needed(async (ctx) => Boolean((await policy(ctx))?.hasFactor))),
    new Check('client_requires_mfa', 'the client requires a second factor', needed(clientRequires)),
    new Check('role_requires_mfa', 'the account role requires a second factor', needed(async (ctx) => Boolean((await policy(ctx))?.roleRequires))),
    new Check('acr_requires_mfa', 'the requested authentication context class needs a second factor', needed(async (ctx) => {
      if (!acrAsksMfa(ctx)) return Check.NO_NEED_TO_PROMPT;
      return !skipped(ctx) || mandatory(ctx);
    })),
  );
}

/**
 * The login prompt's essential-acr checks, without a login loop: oidc-provider's
 * own ask for a new login until the session's acr is a requested one, which a
 * password sign-in never makes the MFA class (the second-factor prompt does),
 * and which would ask again right after a fresh login. Ours ask for a login
 * only for a session whose class is none of those requested, when the MFA
 * class is not among them (the mfa prompt steps up) and no login just happened.
 */
function replaceEssentialAcrChecks(login: interactionPolicy.Prompt): void {
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  login.checks.add(new Check('essential_acr', 'requested ACR could not be obtained', 'login_required', (ctx) => {
    const { values, essential } = acrRequest(ctx);
    if (!essential || values.length === 0 || values.includes(MFA_ACR) || ctx.oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
    const acr = sessionAcr(ctx);
    return acr === undefined || (!values.includes(acr) && acr !== MFA_ACR);
  }));
}

// How recent a password sign-in must be for a factor to be enrolled on it.
const ENROLMENT_LOGIN_MAX_AGE_SECONDS = 10 * 60;

/**
 * Enrolling a factor needs a recent password (issue 12): when the second
 * factor is required of an account that has none and the session's login is
 * older than ten minutes (a step-up inside an old session), the password is
 * asked again first; the enrolment page then follows it.
 */
function freshLoginForEnrolment(policy: AccountPolicyLookup): interactionPolicy.Check {
  return new Check('mfa_enrolment_login', 'enrolling a second factor needs a recent sign-in', 'login_required', async (ctx) => {
    const { session } = ctx.oidc;
    if (!session?.accountId || ctx.oidc.result?.login || hasTwoFactors(ctx) || !session.past(ENROLMENT_LOGIN_MAX_AGE_SECONDS)) return Check.NO_NEED_TO_PROMPT;
    const account = await policy(ctx);
    if (!account || account.hasFactor) return Check.NO_NEED_TO_PROMPT;
    return account.roleRequires || clientRequires(ctx) || acrAsksMfa(ctx);
  });
}

/**
 * `interactions.policy`: login, then the second factor, then consent; with
 * `signUp` (SIGNUP is not off), the requestable `create` prompt before them
 * (build-sign-up-prompt.ts).
 */
export function buildInteractionPolicy(deps: SecondFactorPolicyDeps, options: { signUp?: boolean } = {}): interactionPolicy.DefaultPolicy {
  const policy = base();
  if (options.signUp) policy.add(signUpPrompt(), 0);
  const lookup = accountPolicy(deps);
  const login = policy.get('login');
  if (login) {
    replaceEssentialAcrChecks(login);
    login.checks.add(freshLoginForEnrolment(lookup));
  }
  const consentAt = policy.findIndex((prompt) => prompt.name === 'consent');
  policy.add(secondFactorPrompt(lookup), consentAt < 0 ? policy.length : consentAt);
  return policy;
}
