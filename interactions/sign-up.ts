import type { Context } from 'koa';
import type { RouterMiddleware } from '@koa/router';
import { z } from 'zod';
import { PASSWORD_ACR } from '../src/oidc/configuration/build-id-token-claims.js';
import { CREATE_PROMPT } from '../src/oidc/configuration/build-sign-up-prompt.js';
import { describeClient } from './client-display.js';
import { clientIdOf, type InteractionDeps, type InteractionDetails } from './interaction-deps.js';
import { renderWrongPrompt } from './interaction-errors.js';
import { originOf, tooMany } from './lifecycle-pages.js';
import { recordLoginSuccess } from './login-attempts.js';

const signUpForm = z.object({
  username: z.string().trim().max(254).default(''),
  email: z.string().trim().max(254).default(''),
  name: z.string().trim().max(200).default(''),
  password: z.string().max(1024).default(''),
  confirm_password: z.string().max(1024).default(''),
});

const LABELS: Record<string, string> = { username: 'Username', email: 'E-mail address', name: 'Name', password: 'Password' };

/** "password: must be at least 8 characters" → "Password must be at least 8 characters". */
function describe(problem: string): string {
  const [field, ...rest] = problem.split(': ');
  return LABELS[field] ? `${LABELS[field]} ${rest.join(': ')}` : problem;
}

interface SignUpState {
  status?: number;
  error?: string;
  values?: { username?: string; email?: string; name?: string };
}

/** The sign-up page answers the login prompt (linked from sign-in) and the create prompt (prompt=create). */
const isSignUpStep = (details: InteractionDetails) => details.prompt.name === 'login' || details.prompt.name === CREATE_PROMPT;

export async function renderSignUpPage(ctx: Context, deps: InteractionDeps, details: InteractionDetails, state: SignUpState = {}): Promise<void> {
  const clientId = clientIdOf(details);
  const client = describeClient(await deps.provider.Client.find(clientId), clientId);
  const open = deps.lifecycle?.signup === 'open';
  const base = `/interaction/${details.uid}`;
  const viaPrompt = details.prompt.name === CREATE_PROMPT;
  await deps.render(ctx, 'sign-up', {
    title: open ? 'Create an account' : 'Accounts are by invitation',
    client, open, action: `${base}/sign-up`, abortAction: `${base}/abort`,
    // Under prompt=create, "sign in instead" resolves the create prompt (a form
    // post); otherwise the sign-in page is this interaction's own page.
    signInAction: viaPrompt ? `${base}/sign-in-instead` : undefined,
    signInHref: viaPrompt ? undefined : base,
    values: state.values ?? {}, error: state.error,
  }, state.status ?? 200);
}

/** GET /interaction/:uid/sign-up: "Create an account" from the sign-in page. */
export function createShowSignUp(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    if (!isSignUpStep(details)) return renderWrongPrompt(ctx, deps.render);
    return renderSignUpPage(ctx, deps, details);
  };
}

/**
 * POST /interaction/:uid/sign-up (SIGNUP=open): makes the account, mails the
 * address its verification link (not waited for), and signs the new account
 * in: the result answers the create prompt and the login prompt at once.
 */
export function createSubmitSignUp(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    if (!isSignUpStep(details)) return renderWrongPrompt(ctx, deps.render);
    const lifecycle = deps.lifecycle;
    if (!lifecycle || lifecycle.signup !== 'open') return renderSignUpPage(ctx, deps, details, { status: 403 });
    const form = signUpForm.safeParse(ctx.request.body ?? {});
    if (!form.success) return renderSignUpPage(ctx, deps, details, { status: 400, error: 'Some fields could not be read.' });
    const { password, confirm_password: confirm, ...values } = form.data;
    const fail = (error: string, status = 400) => renderSignUpPage(ctx, deps, details, { status, error, values });
    if (password !== confirm) return fail('The two passwords do not match.');
    const verdict = await lifecycle.throttle.byIp(ctx.ip);
    if (!verdict.allowed) return fail(tooMany(ctx, verdict.retryAfterSeconds).error, 429);
    const clientId = clientIdOf(details);
    const result = await lifecycle.signUp({ ...values, password }, originOf(ctx, 'sign-in', clientId));
    if (!result.ok) return fail(`Your account was not created. ${result.problems.map(describe).join('. ')}.`, result.usernameTaken ? 409 : 400);
    void result.delivery;
    await recordLoginSuccess(ctx, deps, { username: result.user.username, accountId: result.user.id, clientId });
    // amr "pwd" (RFC 8176 §2): the password just chosen is the authentication.
    await deps.provider.interactionFinished(ctx.req, ctx.res, {
      [CREATE_PROMPT]: { accountId: result.user.id },
      login: { accountId: result.user.id, remember: false, amr: ['pwd'], acr: PASSWORD_ACR },
    }, { mergeWithLastSubmission: false });
  };
}

/** POST /interaction/:uid/sign-in-instead: under prompt=create, the person has an account; the sign-in page follows. */
export function createSignInInstead(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name !== CREATE_PROMPT) return renderWrongPrompt(ctx, deps.render);
    await deps.provider.interactionFinished(ctx.req, ctx.res, { [CREATE_PROMPT]: { skipped: true } }, { mergeWithLastSubmission: false });
  };
}
