import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderPages } from '../src/oidc/provider-pages.js';
import { resolveBranding, type Branding } from './branding.js';
import { describeScopes } from '../src/scopes/scope-catalog.js';
import { describeClient, safeWebUrl } from './client-display.js';
import { createViewRenderer, errorPageLocals } from './render-page.js';
import { isSignedIn, requestedClaims, requestedScopes } from './device-request.js';
import { readableError } from './error-messages.js';
import { DEVICE_CONFIRM_FORM_ID, LOGOUT_FORM_ID, formIdOf, takeUserCodeInput } from './provider-forms.js';

export interface ProviderPagesOptions {
  branding?: Partial<Branding>;
}

type OutError = { error: string; error_description?: string };

// out.error of the provider's re-render errors (lib/helpers/re_render_errors.js).
function deviceInputMessage(out: OutError | undefined): { error?: string; notice?: string } {
  switch (out?.error) {
    case undefined: return {};
    case 'the interaction was aborted': return { notice: 'The request was cancelled. Nothing was connected.' };
    case 'the code has expired': return { error: 'That code has expired. Start again on your device to get a new one.' };
    case 'code has already been used': return { error: 'That code has already been used. Start again on your device to get a new one.' };
    case 'the code was not found':
    case 'no code submitted': return { error: 'The code you entered is incorrect. Try again.' };
    default: return { error: 'There was a problem processing your request. Try again.' };
  }
}

/**
 * Where the signed-out page sends a person back: the app's first registered
 * post-logout redirect URI when the app is known and it is a web address
 * (without state, as no post_logout_redirect_uri was asked for), else the
 * start page.
 */
function wayBack(ctx: KoaContextWithOIDC): { href: string; text: string } {
  const client = ctx.oidc?.client;
  const uri = safeWebUrl(client?.postLogoutRedirectUris?.[0]);
  return client && uri ? { href: uri, text: `Back to ${describeClient(client).name}` } : { href: '/', text: 'Go to the start page' };
}

/**
 * The pages oidc-provider renders itself, with the same renderer and views
 * as every other page (render-page.ts). Only the provider's own `form`
 * markup is inserted unescaped.
 */
export function createProviderPages({ branding }: ProviderPagesOptions = {}): ProviderPages {
  const render = createViewRenderer(resolveBranding(branding));

  return {
    async deviceCodeInput(ctx, form, out) {
      render(ctx, 'device-code-input', { title: 'Connect a device', ...takeUserCodeInput(form), ...deviceInputMessage(out) });
    },

    async deviceCodeConfirm(ctx, form, client, userCode) {
      // One confirmation: what the device may do is asked here, and the
      // consent step that follows is answered by it (device-consent.ts).
      render(ctx, 'device-code-confirm', {
        title: 'Confirm the code', form, formId: formIdOf(form, DEVICE_CONFIRM_FORM_ID), client: describeClient(client), userCode,
        scopes: describeScopes(requestedScopes(ctx)), claims: requestedClaims(ctx), signedIn: isSignedIn(ctx),
      });
    },

    async deviceSuccess(ctx) {
      const client = ctx.oidc?.client;
      render(ctx, 'device-success', { title: 'Device connected', clientName: client ? describeClient(client).name : undefined });
    },

    async logoutConfirm(ctx, form) {
      const client = ctx.oidc?.client;
      render(ctx, 'logout-confirm', {
        title: 'Sign out', form, formId: formIdOf(form, LOGOUT_FORM_ID), clientName: client ? describeClient(client).name : undefined,
      });
    },

    async logoutSuccess(ctx) {
      const client = ctx.oidc?.client;
      render(ctx, 'logout-success', { title: 'Signed out', clientName: client ? describeClient(client).name : undefined, back: wayBack(ctx) });
    },

    async error(ctx, out) {
      // The provider has set the status already; only the body is ours.
      const readable = readableError(out.error);
      render(ctx, 'error', errorPageLocals(ctx, {
        heading: readable.heading, description: readable.advice, code: out.error, detail: out.error_description, links: readable.links,
      }));
    },
  };
}
