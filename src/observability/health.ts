import type { Middleware } from 'koa';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

/**
 * /healthz answers while the process runs; /readyz only while every store
 * answers and the server is not shutting down.
 */
export function createHealthRoutes(checks: ReadinessCheck[], isShuttingDown: () => boolean): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === '/healthz') {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
      return undefined;
    }
    if (ctx.path !== '/readyz') return next();
    const results = await Promise.all(checks.map(async ({ name, check }) => {
      try {
        return [name, await check()] as const;
      } catch {
        return [name, false] as const;
      }
    }));
    const shuttingDown = isShuttingDown();
    const ready = !shuttingDown && results.every(([, ok]) => ok);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', shuttingDown, checks: Object.fromEntries(results) };
    return undefined;
  };
}
