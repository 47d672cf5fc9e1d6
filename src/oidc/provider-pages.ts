import type { KoaContextWithOIDC, ClientMetadata } from 'oidc-provider';

/**
 * The HTML pages oidc-provider renders itself (device flow, logout, errors).
 * oidc/ declares what it needs; interactions/ supplies the pug-backed
 * implementation, so the provider never depends on the page layer.
 */
export interface ProviderPages {
  /** features.deviceFlow.userCodeInputSource: `form` is the provider's hidden-fields form. */
  deviceCodeInput(ctx: KoaContextWithOIDC, form: string, error?: { error: string; error_description?: string }): Promise<void>;
  /** features.deviceFlow.userCodeConfirmSource. */
  deviceCodeConfirm(ctx: KoaContextWithOIDC, form: string, client: { clientId: string; clientName?: string; logoUri?: string; clientUri?: string }, userCode: string): Promise<void>;
  /** features.deviceFlow.successSource. */
  deviceSuccess(ctx: KoaContextWithOIDC): Promise<void>;
  /** features.rpInitiatedLogout.logoutSource: `form` is the provider's logout form. */
  logoutConfirm(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  /** features.rpInitiatedLogout.postLogoutSuccessSource. */
  logoutSuccess(ctx: KoaContextWithOIDC): Promise<void>;
  /** renderError: an OAuth error that cannot be redirected to the client. */
  error(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void>;
}

export type { ClientMetadata };
