import type { Middleware } from 'koa';
import { findUnstorableText } from '../src/db/storable-text.js';
import { renderErrorPage, type PageRenderer } from './render-page.js';

/**
 * Every form of our pages (login, consent, account) is refused with a
 * readable 400 when a field holds NUL, a control character other than
 * whitespace, or half a UTF-16 surrogate pair (issue 16 item 7): Postgres
 * would refuse such text with an error, and no name, password or URI of ours
 * has a use for it. Mounted after the body parser, so it sees every field.
 */
export function createFormTextGuard(render: PageRenderer): Middleware {
  return async (ctx, next) => {
    if (findUnstorableText(ctx.request.body) === undefined) return next();
    await renderErrorPage(ctx, render, {
      status: 400,
      heading: 'The form could not be read',
      description: 'It contains characters that are not allowed, such as control characters. Go back, check what you typed and try again.',
      code: 'invalid_request',
    });
    return undefined;
  };
}
