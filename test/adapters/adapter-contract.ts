import { randomBytes } from 'node:crypto';
import { errors } from 'oidc-provider';
import { AlreadyConsumedError } from '../../adapters/already-consumed-error.js';
import type { AdapterFactory, AdapterPayload } from '../../adapters/adapter-types.js';

/** What the contract needs from one store, beyond the adapters themselves. */
export interface ContractHarness {
  factory: AdapterFactory;
  /** Every byte the store holds for this test (rows, keys and values), as text. */
  dump(): Promise<string>;
  /** Seconds until the entity expires, or null when it never does. */
  remainingTtl(model: string, id: string): Promise<number | null>;
  /** Makes the entity expire now, without waiting. */
  expireNow(model: string, id: string): Promise<void>;
}

// An account and a client the SQL harness creates (foreign keys).
export const ACCOUNT_ID = 'contract-account';
export const CLIENT_ID = 'contract-client';

const now = () => Math.floor(Date.now() / 1000);
const newId = (label: string) => `${label}-${randomBytes(16).toString('base64url')}`;

function tokenPayload(kind: string, jti: string, extra: Partial<AdapterPayload> = {}): AdapterPayload {
  // Empty arrays and objects on purpose: a Lua cjson round trip would turn [] into {}.
  return { iat: now(), exp: now() + 600, jti, kind, clientId: CLIENT_ID, accountId: ACCOUNT_ID, scope: 'openid', amr: [], claims: {}, ...extra };
}

/** The shared adapter contract (memory adapter behaviour), registered for one store. */
export function describeAdapterContract(storeName: string, harness: () => ContractHarness): void {
  const adapter = (model: string) => harness().factory(model);

  describe(`${storeName} adapter contract`, () => {
    it.each([
      'AccessToken', 'RefreshToken', 'AuthorizationCode', 'Grant', 'Interaction', 'ReplayDetection', 'PushedAuthorizationRequest', 'BackchannelAuthenticationRequest',
    ])('round-trips a %s payload, jti included', async (model) => {
      const id = newId(model);
      const payload = tokenPayload(model, id, { grantId: newId('grant'), resource: ['https://api.example'] });
      await adapter(model).upsert(id, payload, 600);
      expect(await adapter(model).find(id)).toEqual(payload);
      expect(await adapter(model).find(newId('unknown'))).toBeUndefined();
    });

    it('replaces the payload on a second upsert', async () => {
      const id = newId('at');
      await adapter('AccessToken').upsert(id, tokenPayload('AccessToken', id), 600);
      const updated = tokenPayload('AccessToken', id, { scope: 'openid email' });
      await adapter('AccessToken').upsert(id, updated, 600);
      expect(await adapter('AccessToken').find(id)).toEqual(updated);
    });

    it('stores the expiry from expiresIn and hides expired entities', async () => {
      const id = newId('at');
      await adapter('AccessToken').upsert(id, tokenPayload('AccessToken', id), 120);
      const ttl = await harness().remainingTtl('AccessToken', id);
      expect(ttl).toBeGreaterThan(115);
      expect(ttl).toBeLessThanOrEqual(120);
      await harness().expireNow('AccessToken', id);
      expect(await adapter('AccessToken').find(id)).toBeUndefined();
    });

    it('finds a session by uid, without its id (the cookie value is never stored)', async () => {
      const id = newId('sess');
      const uid = newId('uid');
      const payload = { iat: now(), exp: now() + 600, jti: id, kind: 'Session', uid, accountId: ACCOUNT_ID, loginTs: now(), authorizations: {} };
      await adapter('Session').upsert(id, payload, 600);
      const { jti: _jti, ...withoutJti } = payload;
      expect(await adapter('Session').findByUid(uid)).toEqual(withoutJti);
      expect(await adapter('Session').find(id)).toEqual(payload);
      await adapter('Session').destroy(id);
      expect(await adapter('Session').findByUid(uid)).toBeUndefined();
      expect(await adapter('Session').findByUid(newId('uid'))).toBeUndefined();
    });

    it('finds a device code by id without its user code, which is stored only as a digest', async () => {
      const id = newId('dc');
      const userCode = `UC-${randomBytes(4).toString('hex')}`;
      const payload = tokenPayload('DeviceCode', id, { userCode, deviceInfo: { ip: '127.0.0.1' }, params: { scope: 'openid' } });
      await adapter('DeviceCode').upsert(id, payload, 600);
      const { userCode: _userCode, ...withoutUserCode } = payload;
      expect(await adapter('DeviceCode').find(id)).toEqual(withoutUserCode);
    });

    it('finds a device code by user code under a handle that saves, finds and destroys it but never consumes it', async () => {
      const id = newId('dc');
      const userCode = `UC-${randomBytes(4).toString('hex')}`;
      const payload = tokenPayload('DeviceCode', id, { userCode, deviceInfo: { ip: '127.0.0.1' }, params: { scope: 'openid' } });
      await adapter('DeviceCode').upsert(id, payload, 600);
      const found = await adapter('DeviceCode').findByUserCode(userCode);
      const { jti: handle, ...rest } = found as AdapterPayload;
      const { jti: _jti, ...expected } = payload;
      expect(rest).toEqual(expected);
      expect(handle).toEqual(expect.any(String));
      expect(handle).not.toBe(id);
      // code_verification saves it again under its jti, device_resume finds it
      // by that value and saves the approval: the device polling with the real
      // code sees it.
      await adapter('DeviceCode').upsert(handle as string, { ...found, inFlight: true }, 600);
      expect(await adapter('DeviceCode').find(handle as string)).toMatchObject({ jti: handle, inFlight: true });
      await adapter('DeviceCode').upsert(handle as string, { ...found, accountId: 'approver' }, 600);
      expect(await adapter('DeviceCode').find(id)).toMatchObject({ jti: id, accountId: 'approver' });
      const refused = await adapter('DeviceCode').consume(handle as string).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(errors.InvalidGrant);
      expect(refused).not.toBeInstanceOf(AlreadyConsumedError);
      expect((await adapter('DeviceCode').find(id))?.consumed).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(userCode)).toMatchObject({ jti: handle, userCode, accountId: 'approver' });
      expect(await adapter('DeviceCode').findByUserCode('UC-none')).toBeUndefined();
      await adapter('DeviceCode').destroy(handle as string);
      expect(await adapter('DeviceCode').find(id)).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(userCode)).toBeUndefined();
    });

    it('lets the newest session with a uid take it, the older one staying findable by id', async () => {
      const uid = newId('uid');
      const [first, second] = [newId('sess'), newId('sess')];
      // One timestamp, so a payload built again for the comparison is the one saved.
      const at = now();
      const session = (jti: string) => ({ iat: at, exp: at + 600, jti, kind: 'Session', uid, accountId: ACCOUNT_ID, loginTs: at, authorizations: {} });
      await adapter('Session').upsert(first, session(first), 600);
      await adapter('Session').upsert(second, session(second), 600);
      expect(await adapter('Session').find(first)).toEqual(session(first));
      const { jti: _jti, ...newest } = session(second);
      expect(await adapter('Session').findByUid(uid)).toEqual(newest);
    });

    it('lets parallel first saves of sessions sharing a uid all succeed', async () => {
      const uid = newId('uid');
      const ids = Array.from({ length: 6 }, () => newId('sess'));
      // One timestamp, so a payload built again for the comparison is the one saved.
      const at = now();
      const session = (jti: string) => ({ iat: at, exp: at + 600, jti, kind: 'Session', uid, accountId: ACCOUNT_ID, loginTs: at, authorizations: {} });
      await Promise.all(ids.map((id) => adapter('Session').upsert(id, session(id), 600)));
      for (const id of ids) expect(await adapter('Session').find(id)).toEqual(session(id));
      expect(ids.map((id) => session(id).jti)).toContain((await adapter('Session').find(ids[0]!))?.jti);
      expect(await adapter('Session').findByUid(uid)).toMatchObject({ uid, kind: 'Session' });
    });

    it('lets the newest device code with a user code take it', async () => {
      const userCode = `UC-${randomBytes(4).toString('hex')}`;
      const [first, second] = [newId('dc'), newId('dc')];
      await adapter('DeviceCode').upsert(first, tokenPayload('DeviceCode', first, { userCode, params: { n: 1 } }), 600);
      await adapter('DeviceCode').upsert(second, tokenPayload('DeviceCode', second, { userCode, params: { n: 2 } }), 600);
      expect(await adapter('DeviceCode').findByUserCode(userCode)).toMatchObject({ userCode, params: { n: 2 } });
      expect(await adapter('DeviceCode').find(first)).toMatchObject({ jti: first, params: { n: 1 } });
    });

    it('reads a non-numeric consumed value back as consumed', async () => {
      const id = newId('ac');
      await adapter('AuthorizationCode').upsert(id, tokenPayload('AuthorizationCode', id, { grantId: newId('grant'), consumed: true }), 600);
      expect((await adapter('AuthorizationCode').find(id))?.consumed).toBeTruthy();
      await expect(adapter('AuthorizationCode').consume(id)).rejects.toBeInstanceOf(AlreadyConsumedError);
    });

    it('destroys an entity', async () => {
      const id = newId('ac');
      await adapter('AuthorizationCode').upsert(id, tokenPayload('AuthorizationCode', id, { grantId: newId('grant') }), 600);
      await adapter('AuthorizationCode').destroy(id);
      expect(await adapter('AuthorizationCode').find(id)).toBeUndefined();
      await expect(adapter('AuthorizationCode').destroy(id)).resolves.toBeUndefined();
    });

    it('marks an entity consumed, and a re-save does not undo it', async () => {
      const id = newId('ac');
      const payload = tokenPayload('AuthorizationCode', id, { grantId: newId('grant') });
      await adapter('AuthorizationCode').upsert(id, payload, 600);
      const before = now();
      await adapter('AuthorizationCode').consume(id);
      const found = await adapter('AuthorizationCode').find(id);
      expect(found).toEqual({ ...payload, consumed: expect.any(Number) });
      expect(found?.consumed).toBeGreaterThanOrEqual(before - 1);
      expect(found?.consumed).toBeLessThanOrEqual(now() + 1);
      const { consumed: _consumed, ...loaded } = found as AdapterPayload;
      await adapter('AuthorizationCode').upsert(id, loaded, 600);
      expect((await adapter('AuthorizationCode').find(id))?.consumed).toBe(found?.consumed);
    });

    it('refuses a second consume with AlreadyConsumedError carrying the grant id', async () => {
      const id = newId('rt');
      const grantId = newId('grant');
      await adapter('RefreshToken').upsert(id, tokenPayload('RefreshToken', id, { grantId }), 600);
      await adapter('RefreshToken').consume(id);
      const error = await adapter('RefreshToken').consume(id).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(AlreadyConsumedError);
      expect(error).toBeInstanceOf(errors.InvalidGrant);
      expect(error).toMatchObject({ grantId, error: 'invalid_grant', status: 400 });
    });

    it('refuses to consume what is not there, without calling it a replay', async () => {
      const error = await adapter('AuthorizationCode').consume(newId('missing')).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(errors.InvalidGrant);
      expect(error).not.toBeInstanceOf(AlreadyConsumedError);
    });

    it('lets exactly one of 20 concurrent consumes win', async () => {
      const id = newId('ac');
      const grantId = newId('grant');
      await adapter('AuthorizationCode').upsert(id, tokenPayload('AuthorizationCode', id, { grantId }), 600);
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => adapter('AuthorizationCode').consume(id)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(AlreadyConsumedError);
          expect((r.reason as AlreadyConsumedError).grantId).toBe(grantId);
        }
      }
    });

    it("revokes all of a grant's members and nothing else", async () => {
      const [grantA, grantB] = [newId('grant'), newId('grant')];
      const userCode = `UC-${randomBytes(4).toString('hex')}`;
      const members: Array<[string, string, Partial<AdapterPayload>]> = [
        ['AccessToken', newId('at'), {}], ['AccessToken', newId('at'), {}], ['RefreshToken', newId('rt'), {}],
        ['AuthorizationCode', newId('ac'), {}], ['DeviceCode', newId('dc'), { userCode }],
      ];
      const other: [string, string] = ['AccessToken', newId('at')];
      for (const [model, id, extra] of members) await adapter(model).upsert(id, tokenPayload(model, id, { grantId: grantA, ...extra }), 600);
      await adapter(other[0]).upsert(other[1], tokenPayload(other[0], other[1], { grantId: grantB }), 600);

      // As lib/helpers/revoke.js does: every grant-bound model is asked.
      for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode']) await adapter(model).revokeByGrantId(grantA);

      for (const [model, id] of members) expect(await adapter(model).find(id)).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(userCode)).toBeUndefined();
      expect(await adapter(other[0]).find(other[1])).toMatchObject({ grantId: grantB });
    });

    it('never stores the raw id of a credential', async () => {
      const ids: Record<string, string> = {};
      for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'ClientCredentials', 'PushedAuthorizationRequest', 'Session']) {
        ids[model] = newId(`raw${model}`);
        await adapter(model).upsert(ids[model], { ...tokenPayload(model, ids[model]), uid: newId('uid') }, 600);
      }
      const dump = await harness().dump();
      for (const [model, id] of Object.entries(ids)) {
        expect(dump).not.toContain(id);
        expect(await adapter(model).find(id)).toMatchObject({ jti: id });
      }
    });

    it('keeps no secret of a short-lived entity readable: ids, user codes, and what their payloads carry', async () => {
      const secrets = {
        deviceCode: newId('rawDeviceCode'), userCode: `UC-${randomBytes(6).toString('hex')}`, uid: newId('rawInteractionUid'),
        parId: newId('rawPar'), sessionCookie: newId('rawSessionCookie'), code: newId('rawCode'), cibaId: newId('rawCiba'), replay: newId('rawReplay'),
      };
      await adapter('DeviceCode').upsert(secrets.deviceCode, tokenPayload('DeviceCode', secrets.deviceCode, { userCode: secrets.userCode }), 600);
      // What oidc-provider keeps in an interaction: its uid in returnTo, the session cookie, the PAR id and a device code (handle).
      const interaction = {
        ...tokenPayload('Interaction', secrets.uid), returnTo: `https://issuer.example/auth/${secrets.uid}`, parJti: secrets.parId,
        deviceCode: secrets.deviceCode, session: { accountId: ACCOUNT_ID, uid: newId('suid'), cookie: secrets.sessionCookie },
      };
      await adapter('Interaction').upsert(secrets.uid, interaction, 600);
      await adapter('PushedAuthorizationRequest').upsert(secrets.parId, tokenPayload('PushedAuthorizationRequest', secrets.parId), 600);
      await adapter('AuthorizationCode').upsert(secrets.code, tokenPayload('AuthorizationCode', secrets.code, { grantId: newId('grant') }), 600);
      await adapter('BackchannelAuthenticationRequest').upsert(secrets.cibaId, tokenPayload('BackchannelAuthenticationRequest', secrets.cibaId), 600);
      await adapter('ReplayDetection').upsert(secrets.replay, tokenPayload('ReplayDetection', secrets.replay), 600);
      const dump = await harness().dump();
      for (const secret of Object.values(secrets)) expect(dump).not.toContain(secret);
      expect(await adapter('Interaction').find(secrets.uid)).toEqual(interaction);
      expect(await adapter('DeviceCode').findByUserCode(secrets.userCode)).toMatchObject({ userCode: secrets.userCode });
    });
  });
}
