import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Propagates a well-formed X-Request-Id, or issues one. */
export function requestId(): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const id = VALID_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    await next();
  };
}
