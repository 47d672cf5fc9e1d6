import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON, type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { passkeyMethods, type AuthenticationMethod } from './authentication-methods.js';
import * as passkeys from './passkeys-repository.js';
import type { RelyingParty } from './relying-party.js';
import { isUniqueViolation } from '../../db/unique-violation.js';

export interface Passkey {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  synced: boolean;
}

export interface PasskeySignIn {
  accountId: string;
  credentialId: string;
  methods: AuthenticationMethod[];
}

export interface PasskeyService {
  readonly relyingParty: RelyingParty;
  list(accountId: string): Promise<Passkey[]>;
  registrationOptions(account: { id: string; username: string; name: string | null }): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Stores the new passkey (and says what its creation proved); undefined when the response does not verify. */
  register(accountId: string, response: RegistrationResponseJSON, expectedChallenge: string, name: string): Promise<{ passkey: Passkey; methods: AuthenticationMethod[] } | undefined>;
  /** `forAccount` lists that account's passkeys (second factor); without it the browser offers any discoverable one. */
  authenticationOptions(forAccount?: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** The account the assertion proves, or undefined; `accountId` restricts it to one account. */
  authenticate(response: AuthenticationResponseJSON, expectedChallenge: string, options: { accountId?: string; requireUserVerification: boolean }): Promise<PasskeySignIn | undefined>;
  remove(accountId: string, id: string): Promise<boolean>;
}

const TIMEOUT_MS = 5 * 60 * 1000;

function toPasskey(row: passkeys.PasskeyRow): Passkey {
  return { id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: row.last_used_at, synced: row.device_type === 'multiDevice' };
}

const transportsOf = (row: passkeys.PasskeyRow): string[] => row.transports;

/**
 * Passkeys (WebAuthn Level 3) through @simplewebauthn/server. Registration
 * asks for a discoverable credential (residentKey required), so the browser
 * can offer it on the sign-in page without a username; attestation is not
 * requested (`none`): we trust the key, not the maker.
 */
export function createPasskeyService(db: Kysely<Database>, relyingParty: RelyingParty): PasskeyService {
  const { id: rpID, origin } = relyingParty;
  return {
    relyingParty,
    list: async (accountId) => (await passkeys.findPasskeysOfAccount(db, accountId)).map(toPasskey),

    async registrationOptions(account) {
      const existing = await passkeys.findPasskeysOfAccount(db, account.id);
      return generateRegistrationOptions({
        rpName: relyingParty.name, rpID, userName: account.username, userDisplayName: account.name ?? account.username,
        // The user handle (WebAuthn §14.6.1): the opaque account id, never the username.
        userID: new TextEncoder().encode(account.id),
        timeout: TIMEOUT_MS, attestationType: 'none',
        // The same authenticator twice would overwrite its own credential.
        excludeCredentials: existing.map((row) => ({ id: row.id, transports: transportsOf(row) })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      });
    },

    async register(accountId, response, expectedChallenge, name) {
      const result = await verifyRegistrationResponse({ response, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false })
        .catch(() => undefined);
      if (!result?.verified) return undefined;
      const { credential, credentialDeviceType, credentialBackedUp, userVerified } = result.registrationInfo;
      const row = await passkeys.insertPasskey(db, {
        id: credential.id, accountId, name, publicKey: Buffer.from(credential.publicKey).toString('base64url'), counter: credential.counter,
        transports: credential.transports ?? [], deviceType: credentialDeviceType, backedUp: credentialBackedUp,
      }).catch((err: unknown) => {
        // The credential is already registered (to this or another account).
        if (isUniqueViolation(err)) return undefined;
        throw err;
      });
      return row ? { passkey: toPasskey(row), methods: passkeyMethods({ deviceType: credentialDeviceType, userVerified }) } : undefined;
    },

    async authenticationOptions(forAccount) {
      const allow = forAccount ? await passkeys.findPasskeysOfAccount(db, forAccount) : [];
      return generateAuthenticationOptions({
        rpID, timeout: TIMEOUT_MS,
        allowCredentials: allow.map((row) => ({ id: row.id, transports: transportsOf(row) })),
        userVerification: forAccount ? 'preferred' : 'required',
      });
    },

    async authenticate(response, expectedChallenge, options) {
      const row = await passkeys.findPasskey(db, String(response.id));
      if (!row || (options.accountId !== undefined && row.account_id !== options.accountId)) return undefined;
      const result = await verifyAuthenticationResponse({
        response, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: options.requireUserVerification,
        credential: { id: row.id, publicKey: Buffer.from(row.public_key, 'base64url'), counter: row.counter, transports: transportsOf(row) },
      }).catch(() => undefined);
      if (!result?.verified) return undefined;
      const info = result.authenticationInfo;
      await passkeys.recordPasskeyUse(db, row.id, info.newCounter);
      return { accountId: row.account_id, credentialId: row.id, methods: passkeyMethods({ deviceType: info.credentialDeviceType, userVerified: info.userVerified }) };
    },

    remove: (accountId, id) => passkeys.deletePasskey(db, accountId, id),
  };
}
