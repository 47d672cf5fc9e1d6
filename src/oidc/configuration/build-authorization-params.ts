import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { isStorableText } from '../../db/storable-text.js';
import { keepPreApprovedOfflineAccess } from '../pre-approval.js';

/**
 * NUL or control characters in a form-posted authorization, pushed or
 * device authorization request would be stored with the interaction, the
 * pushed request or the device code (in Postgres when there is no Redis,
 * which refuses NUL with an error) and echoed back later (issue 16 item 7).
 * Query strings are refused earlier, for every route (http/refuse-malformed-text.ts).
 */
function refuseUnstorableParams(ctx: KoaContextWithOIDC): void {
  for (const [name, value] of Object.entries(ctx.oidc.params ?? {})) {
    if (typeof value === 'string' && !isStorableText(value)) {
      throw new errors.InvalidRequest(`${name} contains characters that are not allowed`);
    }
  }
}

/**
 * extraParams validators: oidc-provider runs them at the authorization, PAR,
 * device authorization and CIBA endpoints after its own checks, whether or
 * not the parameter was sent, and lets them change ctx.oidc.params.
 * Registering the standard `scope` adds nothing to the parameters accepted; it
 * is only the hook.
 */
export function buildAuthorizationParams(): Pick<Configuration, 'extraParams'> {
  return {
    extraParams: {
      async scope(ctx, _value, client) {
        refuseUnstorableParams(ctx);
        keepPreApprovedOfflineAccess(ctx, client);
      },
    },
  };
}
