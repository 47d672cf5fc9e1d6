import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import express, { type RequestHandler } from 'express';

/**
 * An Express relying party on 127.0.0.1 signing people in with
 * passport-openidconnect, configured the way its README shows. passport,
 * express-session and the strategy ship no types (and @types packages are not
 * installed), so they are loaded with require and typed here by what is used.
 */
const require = createRequire(import.meta.url);

interface Passport {
  use(strategy: unknown): void;
  initialize(): RequestHandler;
  session(): RequestHandler;
  authenticate(name: string, options?: Record<string, unknown>): RequestHandler;
  serializeUser(fn: (user: unknown, done: (err: null, id: unknown) => void) => void): void;
  deserializeUser(fn: (id: unknown, done: (err: null, user: unknown) => void) => void): void;
}
type StrategyClass = new (options: Record<string, unknown>, verify: (issuer: string, profile: PassportProfile, done: (err: null, user: unknown) => void) => void) => unknown;
type SessionFactory = (options: Record<string, unknown>) => RequestHandler;

/** What passport-openidconnect 0.1 hands to the verify callback (lib/profile.js). */
export interface PassportProfile {
  id: string;
  displayName?: string;
  username?: string;
  name?: { familyName?: string; givenName?: string; middleName?: string };
  emails?: Array<{ value: string }>;
}

export interface PassportRelyingParty {
  readonly origin: string;
  readonly callbackUrl: string;
  /** Creates the strategy once the provider's issuer and the client are known. */
  configure(settings: { issuer: string; clientId: string; clientSecret: string; scope: string[] }): void;
  close(): Promise<void>;
}

export async function startPassportRelyingParty(): Promise<PassportRelyingParty> {
  const passport = require('passport') as Passport;
  const { Strategy } = require('passport-openidconnect') as { Strategy: StrategyClass };
  const session = require('express-session') as SessionFactory;

  const app = express();
  app.use(session({ secret: 'passport-rp-session-secret-0123456789', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));

  app.get('/login', passport.authenticate('openidconnect'));
  app.get('/cb', passport.authenticate('openidconnect', { failureRedirect: '/failed', failureMessage: true }), (_req, res) => { res.redirect('/profile'); });
  app.get('/profile', (req, res) => { res.json({ user: (req as unknown as { user?: unknown }).user ?? null }); });
  app.get('/failed', (req, res) => { res.status(401).json({ messages: (req as unknown as { session: { messages?: string[] } }).session.messages ?? [] }); });
  // An error from the strategy (a TokenError from the token endpoint, say) as JSON, for the test to read.
  app.use(((error, _req, res, _next) => {
    res.status(500).json({ error: (error as { code?: string }).code ?? 'error', message: (error as Error).message });
  }) as express.ErrorRequestHandler);

  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const callbackUrl = `${origin}/cb`;
  return {
    origin,
    callbackUrl,
    configure({ issuer, clientId, clientSecret, scope }) {
      passport.use(new Strategy({
        issuer,
        authorizationURL: `${issuer}/auth`,
        tokenURL: `${issuer}/token`,
        userInfoURL: `${issuer}/me`,
        clientID: clientId,
        clientSecret,
        callbackURL: callbackUrl,
        scope,
        nonce: true,
      }, (iss, profile, done) => done(null, { iss, profile })));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => { server.close(() => resolve()); });
    },
  };
}
