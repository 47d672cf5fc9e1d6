import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountLifecycle, RequestOrigin } from '../src/accounts/lifecycle/create-account-lifecycle.js';
import type { Logger } from '../src/observability/logger.js';
import { renderErrorPage, type PageRenderer } from './render-page.js';
import { requestOrigin } from '../src/audit/request-origin.js';

/** What the pages of the account lifecycle (reset, verification, invitation, sign-up) use. */
export interface LifecyclePageDeps {
  provider: Provider;
  render: PageRenderer;
  lifecycle: AccountLifecycle;
  /** Ends every provider session of the account (after its password was set through a link). */
  signOutSessions(accountId: string): Promise<unknown>;
}

/** Who is asking, as the audit trail records it. */
export function originOf(ctx: Context, source: RequestOrigin['source'], clientId?: string): RequestOrigin {
  return { source, ...requestOrigin(ctx), clientId: clientId || null };
}

/** Where "Back to sign in" leads: only a sign-in page of this server (no open redirect). */
export function signInReturn(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/interaction\/[A-Za-z0-9_-]{1,64}$/.test(value) ? value : undefined;
}

/** A form field as a string ('' when absent or not a string). */
export function fieldOf(ctx: Context, name: string): string {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** RFC 6585 §4: too many requests from this address, with Retry-After. */
export function tooMany(ctx: Context, retryAfterSeconds: number): { status: number; error: string } {
  ctx.set('Retry-After', String(retryAfterSeconds));
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return { status: 429, error: `Too many requests from your network. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` };
}

/** The answer to a link that is unknown, expired or used already (all alike: which one is nobody's business). */
export async function renderDeadLink(ctx: Context, render: PageRenderer, again: { href: string; text: string }): Promise<void> {
  await renderErrorPage(ctx, render, {
    status: 400,
    heading: 'This link no longer works',
    description: 'It has expired, or it was used already, or a newer link replaced it. Each link works once.',
    code: 'invalid_link',
    links: [again],
  });
}

/**
 * Runs account-dependent work after the answer has gone out, so neither the
 * answer nor its timing can depend on it (the "forgot password" page).
 * Failures are logged with the request's logger.
 */
export function afterResponse(ctx: Context, work: () => Promise<unknown>): void {
  const log = ctx.state.logger as Logger | undefined;
  const run = () => { work().catch((err: unknown) => log?.error({ err }, 'account mail work after the response failed')); };
  if (ctx.res.writableFinished) run();
  else ctx.res.once('close', run);
}
