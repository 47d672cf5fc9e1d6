import type { Context } from 'koa';
import type { InteractionDeps, InteractionDetails } from './interaction-deps.js';
import { PASSKEY_SCRIPTS } from './scripts.js';

/**
 * What the login page needs for "Sign in with a passkey" (username-less, with
 * autofill); undefined where passkeys cannot work. After a refused passkey
 * the page does not start autofill again: the browser would offer the same
 * unknown passkey straight away.
 */
export function passkeyLoginLocals(ctx: Context, deps: InteractionDeps, details: InteractionDetails) {
  if (!deps.factors?.passkeys.relyingParty.available) return undefined;
  const base = `/interaction/${details.uid}`;
  const autofill = !ctx.path.endsWith('/passkey');
  return { form: { action: `${base}/passkey`, optionsAction: `${base}/passkey/options`, autofill, remember: true }, scripts: PASSKEY_SCRIPTS };
}
