import type { Middleware } from 'koa';
import { z } from 'zod';
import { afterResponse, fieldOf, originOf, signInReturn, tooMany, type LifecyclePageDeps } from './lifecycle-pages.js';

export const FORGOT_PASSWORD_PATH = '/account/forgot-password';

const forgotForm = z.object({ identifier: z.string().trim().min(1).max(254) });

interface ForgotState {
  status?: number;
  error?: string;
  sent?: boolean;
  back?: string;
}

async function renderForgot(ctx: Parameters<Middleware>[0], deps: LifecyclePageDeps, state: ForgotState): Promise<void> {
  await deps.render(ctx, 'forgot-password', {
    title: 'Reset your password', action: FORGOT_PASSWORD_PATH, back: state.back, sent: state.sent ?? false, error: state.error,
  }, state.status ?? 200);
}

/** GET /account/forgot-password[?return=/interaction/<uid>]: "Forgot password?" from the sign-in page. */
export function createShowForgotPassword(deps: LifecyclePageDeps): Middleware {
  return async (ctx) => renderForgot(ctx, deps, { back: signInReturn(ctx.query.return) });
}

/**
 * POST /account/forgot-password. The answer is the same page, status and
 * (within noise) time whether or not the name or address belongs to an
 * account: the only work before answering is the form check and the
 * per-address limit, which depend on no account; looking the account up,
 * making the link and mailing it run after the answer has gone out
 * (afterResponse). The per-account limit refuses there, silently.
 */
export function createRequestPasswordReset(deps: LifecyclePageDeps): Middleware {
  return async (ctx) => {
    const back = signInReturn(fieldOf(ctx, 'return'));
    const form = forgotForm.safeParse(ctx.request.body);
    if (!form.success) return renderForgot(ctx, deps, { status: 400, error: 'Enter your username or e-mail address.', back });
    const verdict = await deps.lifecycle.throttle.byIp(ctx.ip);
    if (!verdict.allowed) return renderForgot(ctx, deps, { ...tooMany(ctx, verdict.retryAfterSeconds), back });
    const origin = originOf(ctx, 'sign-in');
    afterResponse(ctx, () => deps.lifecycle.requestPasswordReset(form.data.identifier, origin));
    return renderForgot(ctx, deps, { sent: true, back });
  };
}
