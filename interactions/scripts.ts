import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

/** Where the pages load their two scripts from: our own origin, as the Content-Security-Policy requires ('self'). */
export const WEBAUTHN_SCRIPT_PATH = '/interaction-assets/webauthn.js';
export const PASSKEY_SCRIPT_PATH = '/interaction-assets/passkeys.js';
/** In load order: the library first, then ours (views/assets/passkeys.js), which uses it. */
export const PASSKEY_SCRIPTS: readonly string[] = [WEBAUTHN_SCRIPT_PATH, PASSKEY_SCRIPT_PATH];

// @simplewebauthn/browser's own browser bundle (UMD, defines
// window.SimpleWebAuthnBrowser), found through the package's entry point so it
// works from the source tree and the compiled dist/ tree alike.
const LIBRARY_FILE = path.join(path.dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js');
// Copied into dist/ with the views by the build.
const OUR_FILE = fileURLToPath(new URL('./views/assets/passkeys.js', import.meta.url));

// Like the stylesheet: nothing personal, so cacheable (an hour keeps deploys visible soon).
const CACHE = 'public, max-age=3600';

function serveFile(file: string): Middleware {
  let body: Promise<string> | undefined;
  return async (ctx) => {
    body ??= readFile(file, 'utf8');
    const text = await body;
    ctx.set('Cache-Control', CACHE);
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.body = text;
  };
}

export function createWebauthnScriptRoute(): Middleware {
  return serveFile(LIBRARY_FILE);
}

export function createPasskeyScriptRoute(): Middleware {
  return serveFile(OUR_FILE);
}
