import path from 'node:path';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { compileFile, type CompiledTemplate } from 'pug';
import type { ProviderPages } from '../src/oidc/provider-pages.js';
import { resolveBranding, type Branding } from './branding.js';
import { describeScopes } from '../src/scopes/scope-catalog.js';
import { describeClient } from './client-display.js';
import { readableError } from './error-messages.js';
import { DEVICE_CONFIRM_FORM_ID, LOGOUT_FORM_ID, formIdOf, takeUserCodeInput } from './provider-forms.js';
import { layoutLocals, type PageLocals } from './render-page.js';
import { VIEWS_DIR, type PageView } from './views-location.js';

export interface ProviderPagesOptions {
  branding?: Partial<Branding>;
}

type OutError = { error: string; error_description?: string };

/** The scopes the device asked for (lib/actions/code_verification.js puts the DeviceCode on ctx.oidc). */
function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const code = (ctx.oidc?.entities as { DeviceCode?: { params?: { scope?: unknown } } } | undefined)?.DeviceCode;
  const scope = code?.params?.scope;
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

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
 * The pages oidc-provider renders itself. Its ctx has no koa-views, so the
 * same pug views are compiled directly, once each. Only the provider's own
 * `form` markup is inserted unescaped.
 */
export function createProviderPages({ branding }: ProviderPagesOptions = {}): ProviderPages {
  const shared = layoutLocals(resolveBranding(branding));
  const templates = new Map<PageView, CompiledTemplate>();

  function render(ctx: KoaContextWithOIDC, view: PageView, locals: PageLocals): void {
    let template = templates.get(view);
    if (!template) {
      template = compileFile(path.join(VIEWS_DIR, `${view}.pug`));
      templates.set(view, template);
    }
    const html = template({ ...locals, ...shared });
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = html;
  }

  return {
    async deviceCodeInput(ctx, form, out) {
      render(ctx, 'device-code-input', { title: 'Connect a device', ...takeUserCodeInput(form), ...deviceInputMessage(out) });
    },

    async deviceCodeConfirm(ctx, form, client, userCode) {
      render(ctx, 'device-code-confirm', {
        title: 'Confirm the code', form, formId: formIdOf(form, DEVICE_CONFIRM_FORM_ID), client: describeClient(client), userCode,
        scopes: describeScopes(requestedScopes(ctx)),
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
      render(ctx, 'logout-success', { title: 'Signed out', clientName: client ? describeClient(client).name : undefined });
    },

    async error(ctx, out) {
      // The provider has set the status already; only the body is ours.
      const readable = readableError(out.error);
      render(ctx, 'error', {
        title: readable.heading, heading: readable.heading, description: readable.advice, code: out.error, detail: out.error_description,
      });
    },
  };
}
