import type { Context } from 'koa';
import type { RouterMiddleware } from '@koa/router';
import { z } from 'zod';
import { describeScopes } from '../src/scopes/scope-catalog.js';
import { isPreApproved, preApprovalOf } from '../src/oidc/pre-approval.js';
import { describeClient, returnAddress } from './client-display.js';
import { clientIdOf, type InteractionDeps, type InteractionDetails } from './interaction-deps.js';
import { renderWrongPrompt } from './interaction-errors.js';
import { canRestart } from './switch-account.js';
import { requestOrigin } from '../src/audit/request-origin.js';

// What oidc-provider's consent prompt reports as not yet granted.
const consentDetailsSchema = z.object({
  missingOIDCScope: z.array(z.string()).default([]),
  missingOIDCClaims: z.array(z.string()).default([]),
  missingResourceScopes: z.record(z.string(), z.array(z.string())).default({}),
  rar: z.array(z.looseObject({ type: z.string() })).default([]),
});

export type ConsentDetails = z.output<typeof consentDetailsSchema>;

export function consentDetails(details: InteractionDetails): ConsentDetails {
  return consentDetailsSchema.parse(details.prompt.details);
}

export async function renderConsentPage(ctx: Context, deps: InteractionDeps, details: InteractionDetails): Promise<void> {
  const clientId = clientIdOf(details);
  const missing = consentDetails(details);
  const accountId = details.session?.accountId;
  const [client, account, grant] = await Promise.all([
    deps.provider.Client.find(clientId),
    accountId ? deps.accounts.findUser(accountId) : undefined,
    details.grantId ? deps.provider.Grant.find(details.grantId) : undefined,
  ]);
  // What this app already holds, so the page can say what is new (the prompt reports only what is missing).
  const granted = (grant?.getOIDCScope() ?? '').split(' ').filter((scope) => scope && !missing.missingOIDCScope.includes(scope));
  // Scopes an operator approved for this client in advance (auto_approve_scopes)
  // are granted with the rest but not asked about: they are listed as allowed.
  const approval = client ? preApprovalOf(client) : undefined;
  const asked = (scopes: string[]) => scopes.filter((scope) => !approval || !isPreApproved(approval, scope));
  const preApproved = missing.missingOIDCScope.filter((scope) => approval !== undefined && isPreApproved(approval, scope));
  await deps.render(ctx, 'consent', {
    title: 'Allow access?',
    client: describeClient(client, clientId),
    accountName: account?.username,
    scopes: describeScopes(asked(missing.missingOIDCScope)),
    granted: describeScopes([...granted, ...preApproved]),
    claims: missing.missingOIDCClaims,
    resources: Object.entries(missing.missingResourceScopes)
      .map(([indicator, scopes]) => ({ indicator, scopes: describeScopes(asked(scopes)) }))
      .filter((resource) => resource.scopes.length > 0),
    confirmAction: `/interaction/${details.uid}/confirm`,
    abortAction: `/interaction/${details.uid}/abort`,
    // Where either answer sends the person, and "Not you?" (switch-account.ts;
    // a client that must push its requests is restarted by the app after sign-out).
    returnTo: returnAddress(details.params.redirect_uri),
    switchAccountHref: canRestart(client) ? `/interaction/${details.uid}/switch-account` : '/session/end',
  });
}

/**
 * Adds exactly what the prompt reported missing to the session's grant for
 * this client (or a new one) and saves it; returns its id.
 */
export async function grantMissing(deps: InteractionDeps, details: InteractionDetails, missing: ConsentDetails, accountId: string): Promise<string> {
  const existing = details.grantId ? await deps.provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new deps.provider.Grant({ accountId, clientId: clientIdOf(details) });
  if (missing.missingOIDCScope.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims.length) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  for (const detail of missing.rar) grant.addRar(detail);
  return grant.save();
}

/** POST /interaction/:uid/confirm */
export function createConfirmConsent(deps: InteractionDeps): RouterMiddleware {
  return async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'consent' || !accountId) return renderWrongPrompt(ctx, deps.render);

    const missing = consentDetails(details);
    const grantId = await grantMissing(deps, details, missing, accountId);
    await deps.audit?.record({
      event: 'consent.granted', actor: accountId, clientId: clientIdOf(details), ...requestOrigin(ctx),
      details: { scopes: missing.missingOIDCScope },
    });
    // An existing grant is updated in place; only a new one is handed back.
    const consent = grantId === details.grantId ? {} : { grantId };
    await deps.provider.interactionFinished(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
  };
}
