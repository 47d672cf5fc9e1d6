import type { Context } from 'koa';
import type { RouterMiddleware } from '@koa/router';
import { z } from 'zod';
import { describeClient } from './client-display.js';
import { clientIdOf, type InteractionDeps, type InteractionDetails } from './interaction-deps.js';
import { renderWrongPrompt } from './interaction-errors.js';
import { PASSWORD_ACR } from '../src/oidc/configuration/build-id-token-claims.js';
import { knownBrowserCheck, lockedMessage, markTooMany, recordLoginFailure, recordLoginSuccess } from './login-attempts.js';
import { passkeyLoginLocals } from './passkey-login-form.js';

// Deliberately vague: which of the two was wrong, or whether the account is
// disabled, is not the visitor's business.
export const LOGIN_FAILED = 'Invalid username or password';
const LOGIN_INCOMPLETE = 'Enter your username and password.';

const loginForm = z.object({
  username: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
  remember: z.literal('yes').optional(),
});

export interface LoginPageState {
  status?: number;
  error?: string;
  username?: string;
  remember?: boolean;
}

function loginHint(details: InteractionDetails): string | undefined {
  const hint = details.params.login_hint;
  return typeof hint === 'string' && hint.length <= 254 ? hint : undefined;
}

export async function renderLoginPage(ctx: Context, deps: InteractionDeps, details: InteractionDetails, state: LoginPageState = {}): Promise<void> {
  const clientId = clientIdOf(details);
  const client = describeClient(await deps.provider.Client.find(clientId), clientId);
  await deps.render(ctx, 'login', {
    title: 'Sign in',
    client,
    loginAction: `/interaction/${details.uid}/login`,
    abortAction: `/interaction/${details.uid}/abort`,
    username: state.username ?? loginHint(details),
    remember: state.remember ?? false,
    error: state.error,
    // Strong authentication: "Sign in with a passkey", no username needed (passkey-login.ts).
    passkey: passkeyLoginLocals(ctx, deps, details),
    // Account mails (issue 14): "Forgot password?" where mail goes out, "Create an account" with SIGNUP=open.
    forgotPasswordHref: deps.lifecycle?.mailEnabled ? `/account/forgot-password?${new URLSearchParams({ return: `/interaction/${details.uid}` })}` : undefined,
    signUpHref: deps.lifecycle?.signup === 'open' ? `/interaction/${details.uid}/sign-up` : undefined,
  }, state.status ?? 200);
}

/** POST /interaction/:uid/login */
export function createSubmitLogin(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name !== 'login') return renderWrongPrompt(ctx, deps.render);

    const form = loginForm.safeParse(ctx.request.body);
    if (!form.success) {
      const username = (ctx.request.body as { username?: unknown } | undefined)?.username;
      return renderLoginPage(ctx, deps, details, {
        status: 400, error: LOGIN_INCOMPLETE, username: typeof username === 'string' ? username.slice(0, 254) : undefined,
      });
    }

    const { username, password, remember } = form.data;
    const clientId = clientIdOf(details);
    // A lock that applies gets the generic failure without a password check;
    // unknown names lock the same way, so a lock reveals nothing. A browser that
    // has signed in to this account before is exempt from the account-wide lock
    // only (login-throttle.ts).
    const verdict = await deps.throttle?.check({ username, ip: ctx.ip }, knownBrowserCheck(ctx, deps, username));
    if (verdict && !verdict.allowed) {
      const status = markTooMany(ctx, verdict);
      return renderLoginPage(ctx, deps, details, { status, error: lockedMessage(LOGIN_FAILED, verdict.retryAfterSeconds), username, remember: remember === 'yes' });
    }
    const user = await deps.accounts.authenticate(username, password);
    if (!user) {
      deps.metrics?.loginFailures.inc();
      const after = await recordLoginFailure(ctx, deps, { username, clientId });
      const status = after.allowed ? 401 : markTooMany(ctx, after);
      const error = after.allowed ? LOGIN_FAILED : lockedMessage(LOGIN_FAILED, after.retryAfterSeconds);
      return renderLoginPage(ctx, deps, details, { status, error, username, remember: remember === 'yes' });
    }
    await recordLoginSuccess(ctx, deps, { username, accountId: user.id, clientId });

    // remember=false keeps the session cookie transient; amr "pwd" per RFC 8176 §2,
    // acr the password-only class advertised in acr_values_supported (Core §2).
    await deps.provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: user.id, remember: remember === 'yes', amr: ['pwd'], acr: PASSWORD_ACR },
    }, { mergeWithLastSubmission: false });
  };
}
