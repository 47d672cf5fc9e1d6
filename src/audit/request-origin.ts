/** What a request says about where it came from: enough of a Koa context to read it. */
export interface RequestLike {
  readonly ip: string;
  get(field: string): string;
}

/**
 * The "from where" of every audit row, read one way everywhere: the client
 * address (after TRUST_PROXY, Koa's ctx.ip) and the User-Agent, null when
 * absent. Never a token, cookie or secret.
 */
export function requestOrigin(ctx: RequestLike): { ip: string | null; userAgent: string | null } {
  return { ip: ctx.ip || null, userAgent: ctx.get('user-agent') || null };
}
