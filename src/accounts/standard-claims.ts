import { z } from 'zod';
import { isStorableText } from '../db/storable-text.js';
import { InvalidAccountInputError } from './account-errors.js';

/**
 * The OpenID Connect Core §5.1 standard claims stored in users.claims (one
 * jsonb object, see migrations/2026_12_06_000100_add_standard_claims.ts).
 * `sub`, `name`, `preferred_username`, `email`, `email_verified` and
 * `updated_at` have columns of their own.
 */

// Postgres jsonb refuses NUL and lone surrogates; only the address's
// formatted and street_address members may span lines (Core §5.1.1).
const text = (max: number, lines: 'single' | 'multi' = 'single') => z.string().trim()
  .min(1, { message: 'must not be empty' })
  .max(max, { message: `must be at most ${max} characters` })
  .refine((value) => isStorableText(value) && (lines === 'multi' || !/[\t\n\r]/.test(value)), {
    message: lines === 'multi' ? 'must not contain control characters' : 'must be one line without control characters',
  });

// Core §5.1: picture, website and profile are URLs; only web URLs make sense
// to a relying party that links to or fetches them.
const webUrl = z.url({ protocol: /^https?$/, message: 'must be an http or https URL' }).max(2048, { message: 'must be at most 2048 characters' });

// Core §5.1 birthdate: "ISO 8601-1 YYYY-MM-DD format. The year MAY be 0000,
// indicating that it is omitted. To represent only the year, YYYY format is allowed."
function isBirthdate(value: string): boolean {
  if (/^\d{4}$/.test(value)) return value !== '0000';
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  // Year 0000 ("omitted") is checked as a leap year so that 0000-02-29 passes.
  const year = match[1] === '0000' ? 2000 : Number(match[1]);
  const date = new Date(Date.UTC(year, Number(match[2]) - 1, Number(match[3])));
  return date.getUTCFullYear() === year && date.getUTCMonth() === Number(match[2]) - 1 && date.getUTCDate() === Number(match[3]);
}

const KNOWN_ZONES = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

/** Core §5.1 zoneinfo: "String from IANA Time Zone Database", e.g. Europe/Paris; stored in its canonical spelling. */
function canonicalZone(value: string): string | undefined {
  if (KNOWN_ZONES.has(value)) return value;
  // Intl also knows links (Asia/Calcutta) and accepts any case; it also takes
  // UTC offsets such as +01:00, which are not zone names.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

// Core §5.1 locale: a BCP47 language tag such as en-US; "some implementations
// have used an underscore as the separator", which relying parties may accept.
function isLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value.replace(/_/g, '-')).length === 1;
  } catch {
    return false;
  }
}

// Core §5.1 phone_number: E.164 is RECOMMENDED, with an RFC 3966 ;ext=
// extension. Spaces, dashes, dots and parentheses are dropped on input.
const phoneNumber = z.string().trim()
  .transform((value) => value.replace(/[\s().-]/g, ''))
  .refine((value) => /^\+[1-9]\d{1,14}(;ext=\d{1,10})?$/.test(value), { message: 'must be an international number such as +14255551212' });

/** Core §5.1.1 Address Claim; formatted and street_address may span lines. */
export const addressSchema = z.strictObject({
  formatted: text(500, 'multi').optional(),
  street_address: text(300, 'multi').optional(),
  locality: text(200).optional(),
  region: text(200).optional(),
  postal_code: text(40).optional(),
  country: text(200).optional(),
});

export const standardClaimsSchema = z.strictObject({
  given_name: text(200).optional(),
  family_name: text(200).optional(),
  middle_name: text(200).optional(),
  nickname: text(200).optional(),
  profile: webUrl.optional(),
  picture: webUrl.optional(),
  website: webUrl.optional(),
  gender: text(100).optional(),
  birthdate: z.string().trim().refine(isBirthdate, { message: 'must be YYYY or YYYY-MM-DD' }).optional(),
  zoneinfo: z.string().trim().transform((value, ctx) => canonicalZone(value) ?? (ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as Europe/Paris' }), z.NEVER)).optional(),
  locale: z.string().trim().max(35).refine(isLocale, { message: 'must be a language tag such as en-US' }).optional(),
  phone_number: phoneNumber.optional(),
  phone_number_verified: z.boolean().optional(),
  address: addressSchema.optional(),
});

export type AddressClaim = z.output<typeof addressSchema>;
export type StandardClaims = z.output<typeof standardClaimsSchema>;
type StringClaim = Exclude<keyof StandardClaims, 'address' | 'phone_number_verified'>;
type AddressField = keyof AddressClaim;

export const STRING_CLAIMS: readonly StringClaim[] = Object.freeze([
  'given_name', 'family_name', 'middle_name', 'nickname', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number',
] satisfies StringClaim[]);
export const ADDRESS_FIELDS: readonly AddressField[] = Object.freeze([
  'formatted', 'street_address', 'locality', 'region', 'postal_code', 'country',
] satisfies AddressField[]);

/**
 * A change to the stored claims: a value sets it, null or '' clears it,
 * undefined leaves it. Address fields change one by one.
 */
export type ClaimChanges = Partial<Record<StringClaim, string | null>> & {
  phone_number_verified?: boolean | null;
  address?: Partial<Record<AddressField, string | null>>;
};

function applyChange<T extends Record<string, unknown>>(target: T, key: keyof T, value: unknown): void {
  if (value === undefined) return;
  if (value === null || (typeof value === 'string' && value.trim() === '')) delete target[key];
  else target[key] = value as T[keyof T];
}

/**
 * The claims after `changes`, validated as a whole; throws
 * InvalidAccountInputError naming each bad claim. A changed phone number is
 * no longer verified unless the change says so.
 */
export function applyClaimChanges(current: StandardClaims, changes: ClaimChanges): StandardClaims {
  const next: Record<string, unknown> = { ...current };
  for (const key of STRING_CLAIMS) applyChange(next, key, changes[key]);
  if (changes.phone_number !== undefined && changes.phone_number_verified === undefined) delete next.phone_number_verified;
  applyChange(next, 'phone_number_verified', changes.phone_number_verified);
  if (changes.address) {
    const address: Record<string, unknown> = { ...current.address };
    for (const key of ADDRESS_FIELDS) applyChange(address, key, changes.address[key]);
    applyChange(next, 'address', Object.keys(address).length > 0 ? address : null);
  }
  const result = standardClaimsSchema.safeParse(next);
  if (result.success) return result.data;
  throw new InvalidAccountInputError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
}

/**
 * The stored object read back: each claim kept only when it still passes the
 * schema, so a row written under older rules never yields a malformed claim.
 */
export function readStoredClaims(stored: unknown): StandardClaims {
  if (typeof stored !== 'object' || stored === null) return {};
  const shape = standardClaimsSchema.shape;
  const claims: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (!(key in shape)) continue;
    const parsed = shape[key as keyof typeof shape].safeParse(value);
    if (parsed.success && parsed.data !== undefined) claims[key] = parsed.data;
  }
  return claims as StandardClaims;
}
