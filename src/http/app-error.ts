/** What a person reads on the error page instead of the code's plain-language text (interactions/error-messages.ts). */
export interface ErrorPageText {
  heading: string;
  advice: string;
}

export interface AppErrorOptions {
  /** Headers the answer needs: Retry-After (RFC 9110 §10.2.3), WWW-Authenticate (RFC 6750 §3). */
  headers?: Record<string, string | string[]>;
  page?: ErrorPageText;
}

/**
 * The one error our own routes throw, answered by the one responder
 * (error-middleware.ts): `{error, error_description}` as JSON, or the error
 * page for a browser. At the OAuth boundary oidc-provider's `errors.*` play
 * the same part and reach the same responder. A leaf module (it imports
 * nothing), so every layer that answers requests may throw it.
 * `code` is absent only where a standard forbids one (RFC 6750 §3.1: a
 * request without credentials).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly description: string,
    readonly options: AppErrorOptions = {},
  ) {
    super(description);
    this.name = 'AppError';
  }
}

/** The one rule for page or JSON: a browser, which asks for HTML, gets the error page. */
export function wantsErrorPage(ctx: { get(field: string): string }): boolean {
  return ctx.get('accept').includes('text/html');
}
