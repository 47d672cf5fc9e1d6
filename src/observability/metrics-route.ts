import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import type { Registry } from 'prom-client';
import { AppError } from '../http/app-error.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * GET /metrics on the public port, only with `Authorization: Bearer
 * METRICS_TOKEN` (RFC 6750 §2.1). Hashing both sides first gives equal-length
 * buffers, so timingSafeEqual does not leak the token's length.
 */
export function createMetricsRoute(registry: Registry, token: string): Middleware {
  const expected = digest(token);
  return async (ctx, next) => {
    if (ctx.path !== '/metrics') return next();
    ctx.set('Cache-Control', 'no-store');
    const match = /^Bearer ([^\s]+)$/.exec(ctx.get('authorization'));
    if (!match || !timingSafeEqual(digest(match[1]), expected)) {
      // RFC 6750 §3: a missing token gets the challenge without an error code.
      throw new AppError(401, match ? 'invalid_token' : 'unauthorized', 'A valid metrics bearer token is required.', {
        headers: { 'WWW-Authenticate': match ? 'Bearer realm="metrics", error="invalid_token"' : 'Bearer realm="metrics"' },
      });
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      return undefined;
    }
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
    return undefined;
  };
}

/** The listener for METRICS_PORT: /metrics without a token (reachable only where that port is). */
export function createMetricsListener(registry: Registry): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => { res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(body); },
      () => { res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'); },
    );
  };
}
