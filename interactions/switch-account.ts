import type { RouterMiddleware } from '@koa/router';
import type { InteractionDeps, InteractionDetails } from './interaction-deps.js';

// Parameters that point at a request the provider already consumed or
// verified; a restart cannot carry them.
const NOT_REPEATED = new Set(['prompt', 'request', 'request_uri']);

/** True when the request can be started again as a plain authorization request. */
export function canRestart(client: { metadata(): Record<string, unknown> } | undefined): boolean {
  return client?.metadata().require_pushed_authorization_requests !== true;
}

/**
 * The same authorization request again, with prompt=login added (OpenID
 * Connect Core §3.1.2.1), built only from the interaction's own parameters on
 * this issuer's authorization endpoint: nothing from the query is used.
 */
export function restartUrl(issuer: string, details: InteractionDetails): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(details.params)) {
    if (NOT_REPEATED.has(name)) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string') query.append(name, item);
    }
  }
  const prompt = typeof details.params.prompt === 'string' ? details.params.prompt.split(' ') : [];
  query.set('prompt', [...new Set(['login', ...prompt.filter((value) => value && value !== 'none')])].join(' '));
  return `${issuer}/auth?${query}`;
}

/**
 * GET /interaction/:uid/switch-account, "Not you?" on the consent page:
 * starts the request again with the login page. When another person signs
 * in, oidc-provider signs the old session out itself before it carries on
 * (lib/actions/authorization/resume.js: a login result for another account
 * goes through end_session_confirm with logout=yes), so "Not you?" signs out
 * and restarts without a page of ours in between.
 */
export function createSwitchAccount(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    // Loading first turns an expired or foreign interaction into the error page.
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    ctx.status = 303;
    ctx.redirect(restartUrl(deps.provider.issuer, details));
  };
}
