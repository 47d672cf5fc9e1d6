import { createAccountService, type AccountService } from '../../src/accounts/account-service.js';
import { accountClaims } from '../../src/accounts/account-claims.js';
import { InvalidAccountInputError } from '../../src/accounts/account-errors.js';
import { applyClaimChanges, readStoredClaims } from '../../src/accounts/standard-claims.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

/** The problems InvalidAccountInputError lists for `run`, or [] when it passes. */
function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
    return [];
  } catch (error) {
    if (error instanceof InvalidAccountInputError) return error.problems;
    throw error;
  }
}

describe('standard claims validation (OpenID Connect Core §5.1)', () => {
  it('accepts the formats Core §5.1 names, stored in canonical form', () => {
    expect(applyClaimChanges({}, {
      birthdate: '1815-12-10', picture: 'https://img.example.com/ada.png', website: 'http://ada.example.org/',
      zoneinfo: 'europe/london', locale: 'en-GB', phone_number: '+44 (20) 7946-0958', gender: 'female',
    })).toEqual({
      birthdate: '1815-12-10', picture: 'https://img.example.com/ada.png', website: 'http://ada.example.org/',
      zoneinfo: 'Europe/London', locale: 'en-GB', phone_number: '+442079460958', gender: 'female',
    });
    // "The year MAY be 0000, indicating that it is omitted. To represent only the year, YYYY format is allowed."
    for (const birthdate of ['1815', '0000-02-29', '2000-02-29']) expect(problemsOf(() => applyClaimChanges({}, { birthdate }))).toEqual([]);
    for (const zoneinfo of ['UTC', 'America/Argentina/Buenos_Aires']) expect(problemsOf(() => applyClaimChanges({}, { zoneinfo }))).toEqual([]);
    // Core §5.1: an underscore separator "MAY" be accepted; RFC 3966 extensions are fine.
    expect(applyClaimChanges({}, { locale: 'fr_CA', phone_number: '+1 604 555 1234;ext=5678' })).toEqual({ locale: 'fr_CA', phone_number: '+16045551234;ext=5678' });
  });

  it('refuses malformed values, one line per claim', () => {
    expect(problemsOf(() => applyClaimChanges({}, {
      birthdate: '10/12/1815', picture: 'javascript:alert(1)', website: 'ftp://ada.example.org', zoneinfo: '+01:00',
      locale: 'not a locale', phone_number: '020 7946 0958',
    }))).toEqual([
      'picture: must be an http or https URL',
      'website: must be an http or https URL',
      'birthdate: must be YYYY or YYYY-MM-DD',
      'zoneinfo: must be an IANA time zone such as Europe/Paris',
      'locale: must be a language tag such as en-US',
      'phone_number: must be an international number such as +14255551212',
    ]);
    for (const birthdate of ['2023-02-29', '1815-13-01', '0000', '18151210']) {
      expect(problemsOf(() => applyClaimChanges({}, { birthdate }))).toEqual(['birthdate: must be YYYY or YYYY-MM-DD']);
    }
    expect(problemsOf(() => applyClaimChanges({}, { zoneinfo: 'Mars/Olympus_Mons' }))).toHaveLength(1);
    expect(problemsOf(() => applyClaimChanges({}, { given_name: 'x'.repeat(201) }))).toEqual(['given_name: must be at most 200 characters']);
    // Postgres jsonb cannot hold NUL; a name is one line; a street address may have two.
    expect(problemsOf(() => applyClaimChanges({}, { nickname: 'a\u0000b', gender: 'x\ny', address: { locality: 'a\tb' } }))).toEqual([
      'nickname: must be one line without control characters',
      'gender: must be one line without control characters',
      'address.locality: must be one line without control characters',
    ]);
    expect(problemsOf(() => applyClaimChanges({}, { address: { street_address: '1 Main St\r\nApt 2', formatted: 'a\u0000' } })))
      .toEqual(['address.formatted: must not contain control characters']);
  });

  it('clears with null or an empty value, merges address members, and unverifies a changed phone number', () => {
    const start = applyClaimChanges({}, {
      given_name: 'Ada', nickname: 'Countess', phone_number: '+442079460958', phone_number_verified: true,
      address: { street_address: '12 St James\'s Square', locality: 'London', country: 'UK' },
    });
    expect(start.phone_number_verified).toBe(true);
    const next = applyClaimChanges(start, { nickname: '', given_name: null, address: { locality: ' ', postal_code: 'SW1Y 4LB' } });
    expect(next).toEqual({
      phone_number: '+442079460958', phone_number_verified: true,
      address: { street_address: '12 St James\'s Square', country: 'UK', postal_code: 'SW1Y 4LB' },
    });
    expect(applyClaimChanges(next, { phone_number: '+442079460959' }).phone_number_verified).toBeUndefined();
    expect(applyClaimChanges(next, { address: { street_address: null, country: '', postal_code: null } }).address).toBeUndefined();
  });

  it('reads back only well-formed known claims from the stored object', () => {
    expect(readStoredClaims({ given_name: 'Ada', birthdate: 'yesterday', password: 'x', address: { locality: 'London' } }))
      .toEqual({ given_name: 'Ada', address: { locality: 'London' } });
    expect(readStoredClaims(null)).toEqual({});
  });
});

describe.each(['postgres', 'pglite'] as const)('account profile claims stored on %s', (kind) => {
  let stores: TestStores;
  let accounts: AccountService;
  beforeAll(async () => {
    stores = await createTestStores(`standard_claims_${kind}`, kind);
    accounts = createAccountService({ db: stores.handle.db, bcryptCost: stores.config.bcryptCost });
  });
  afterAll(async () => { await stores.cleanup(); });

  it('stores the claims, serves them without empty ones, and refuses a bad change without storing any of it', async () => {
    const ada = await accounts.createUser({ username: 'ada', password: 'ada-password-1', email: 'ada@example.com' });
    expect(Object.keys(accountClaims(ada)).sort()).toEqual(['email', 'email_verified', 'preferred_username', 'sub', 'updated_at']);

    const updated = await accounts.updateProfile(ada.id, {
      name: 'Ada Lovelace', emailVerified: true,
      claims: { given_name: 'Ada', family_name: 'Lovelace', birthdate: '1815-12-10', phone_number: '+442079460958', address: { locality: 'London', country: 'UK' } },
    });
    expect(accountClaims(updated)).toEqual({
      sub: ada.id, preferred_username: 'ada', name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', birthdate: '1815-12-10',
      email: 'ada@example.com', email_verified: true,
      // Core §5.1: phone_number_verified is false until someone verifies the number.
      phone_number: '+442079460958', phone_number_verified: false,
      address: { locality: 'London', country: 'UK' },
      updated_at: Math.floor(updated.updatedAt.getTime() / 1000),
    });

    await expect(accounts.updateProfile(ada.id, { name: 'Ada K.', claims: { given_name: 'Augusta', birthdate: 'soon' } }))
      .rejects.toThrow(new InvalidAccountInputError(['birthdate: must be YYYY or YYYY-MM-DD']));
    const unchanged = await accounts.findUser(ada.id);
    expect(unchanged).toMatchObject({ name: 'Ada Lovelace', claims: { given_name: 'Ada' } });

    // A new e-mail address is not verified any more, unless the change says so.
    expect((await accounts.updateProfile(ada.id, { email: 'ada@lovelace.example' })).emailVerified).toBe(false);
  });

  it('keeps both of two concurrent edits of different claims', async () => {
    const bob = await accounts.createUser({ username: 'bob', password: 'bob-password-1' });
    await Promise.all([
      accounts.updateProfile(bob.id, { claims: { given_name: 'Bob' } }),
      accounts.updateProfile(bob.id, { claims: { family_name: 'Builder' } }),
      accounts.updateProfile(bob.id, { claims: { nickname: 'B' } }),
    ]);
    expect((await accounts.findUser(bob.id))?.claims).toEqual({ given_name: 'Bob', family_name: 'Builder', nickname: 'B' });
  });
});
