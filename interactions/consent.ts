import type { Context } from 'koa';
import type { RouterMiddleware } from '@koa/router';
import { z } from 'zod';
import { describeScopes } from '../src/scopes/scope-catalog.js';
import { describeClient } from './client-display.js';
import { clientIdOf, type InteractionDeps, type InteractionDetails } from './interaction-deps.js';
import { renderWrongPrompt } from './interaction-errors.js';

// What oidc-provider's consent prompt reports as not yet granted.
const consentDetailsSchema = z.object({
  missingOIDCScope: z.array(z.string()).default([]),
  missingOIDCClaims: z.array(z.string()).default([]),
  missingResourceScopes: z.record(z.string(), z.array(z.string())).default({}),
  rar: z.array(z.looseObject({ type: z.string() })).default([]),
});

type ConsentDetails = z.output<typeof consentDetailsSchema>;

function consentDetails(details: InteractionDetails): ConsentDetails {
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
  await deps.render(ctx, 'consent', {
    title: 'Allow access?',
    client: describeClient(client, clientId),
    accountName: account?.username,
    scopes: describeScopes(missing.missingOIDCScope),
    granted: describeScopes(granted),
    claims: missing.missingOIDCClaims,
    resources: Object.entries(missing.missingResourceScopes).map(([indicator, scopes]) => ({ indicator, scopes: describeScopes(scopes) })),
    confirmAction: `/interaction/${details.uid}/confirm`,
    abortAction: `/interaction/${details.uid}/abort`,
  });
}

/**
 * Adds exactly what the prompt reported missing to the session's grant for
 * this client (or a new one) and saves it; returns its id.
 */
async function grantMissing(deps: InteractionDeps, details: InteractionDetails, missing: ConsentDetails, accountId: string): Promise<string> {
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
      event: 'consent.granted', actor: accountId, clientId: clientIdOf(details), ip: ctx.ip, userAgent: ctx.get('user-agent'),
      details: { scopes: missing.missingOIDCScope },
    });
    // An existing grant is updated in place; only a new one is handed back.
    const consent = grantId === details.grantId ? {} : { grantId };
    await deps.provider.interactionFinished(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
  };
}
