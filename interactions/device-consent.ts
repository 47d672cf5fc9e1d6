import type { Context } from 'koa';
import { consentDetails, grantMissing } from './consent.js';
import { clientIdOf, type InteractionDeps, type InteractionDetails } from './interaction-deps.js';
import { requestOrigin } from '../src/audit/request-origin.js';

/**
 * True when the consent prompt of this interaction was already answered on
 * the device flow's confirmation page. That page (device-code-confirm.pug)
 * names the app and everything it asks for, and its Allow is oidc-provider's
 * own xsrf-checked POST; only after it does code_verification start an
 * interaction that carries the device code (lib/actions/code_verification.js,
 * lib/actions/authorization/interactions.js), bound to this browser by the
 * interaction cookie. So the consent prompt raised afterwards (always, for a
 * native client: its native_client_prompt check) asks nothing new. Requests
 * with authorization_details (RAR) still get the consent page, which is the
 * one that shows them.
 */
export function isAnsweredByDeviceConfirmation(details: InteractionDetails): boolean {
  return typeof details.deviceCode === 'string' && details.deviceCode !== '' && consentDetails(details).rar.length === 0;
}

/**
 * Records the confirmation as the consent it is: the grant gets exactly what
 * the prompt reports missing, `consent.granted` is audited as on the consent
 * page (with how it was given), and the device flow resumes (RFC 8628 §3.3).
 */
export async function finishDeviceConsent(ctx: Context, deps: InteractionDeps, details: InteractionDetails, accountId: string): Promise<void> {
  const missing = consentDetails(details);
  const grantId = await grantMissing(deps, details, missing, accountId);
  await deps.audit?.record({
    event: 'consent.granted', actor: accountId, clientId: clientIdOf(details), ...requestOrigin(ctx),
    details: { scopes: missing.missingOIDCScope, via: 'device_confirmation' },
  });
  const consent = grantId === details.grantId ? {} : { grantId };
  await deps.provider.interactionFinished(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
}
