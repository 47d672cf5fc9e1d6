import { z } from 'zod';
import type { User } from '../../src/accounts/account-service.js';
import type { ProfileChanges } from '../../src/accounts/account-profile.js';
import type { ClaimChanges } from '../../src/accounts/standard-claims.js';

/**
 * The profile form's fields: the OpenID Connect Core §5.1 claims a person may
 * set about themselves. The e-mail address changes on a page of its own,
 * through a link mailed to the new address (email.ts); the *_verified flags
 * stay with operators.
 */
interface FieldSpec {
  /**
   * The form field's name: the claim's, or the address member's (Core §5.1.1).
   * No dotted names: the body parser (co-body's qs, allowDots) would nest them.
   */
  name: string;
  /** Set on address members: the claim path zod reports, e.g. address.locality. */
  path?: string;
  label: string;
  autocomplete: string;
  hint?: string;
  inputmode?: string;
  multiline?: boolean;
}

const NAME_FIELDS: readonly FieldSpec[] = [
  { name: 'name', label: 'Full name', autocomplete: 'name' },
  { name: 'given_name', label: 'Given name', autocomplete: 'given-name' },
  { name: 'middle_name', label: 'Middle name', autocomplete: 'additional-name' },
  { name: 'family_name', label: 'Family name', autocomplete: 'family-name' },
  { name: 'nickname', label: 'Nickname', autocomplete: 'nickname' },
];
const ABOUT_FIELDS: readonly FieldSpec[] = [
  { name: 'picture', label: 'Picture URL', autocomplete: 'photo', inputmode: 'url', hint: 'An http or https address of an image of you.' },
  { name: 'website', label: 'Website', autocomplete: 'url', inputmode: 'url' },
  { name: 'profile', label: 'Profile page', autocomplete: 'url', inputmode: 'url', hint: 'A page about you elsewhere.' },
  { name: 'gender', label: 'Gender', autocomplete: 'sex', hint: 'For example female or male, or any other word you prefer.' },
  { name: 'birthdate', label: 'Birthdate', autocomplete: 'bday', hint: 'YYYY-MM-DD, or just the year (YYYY).' },
  { name: 'zoneinfo', label: 'Time zone', autocomplete: 'off', hint: 'A time zone name such as Europe/Paris or America/Los_Angeles.' },
  { name: 'locale', label: 'Language', autocomplete: 'language', hint: 'A language tag such as en-US or fr-CA.' },
];
const CONTACT_FIELDS: readonly FieldSpec[] = [
  { name: 'phone_number', label: 'Phone number', autocomplete: 'tel', inputmode: 'tel', hint: 'With the country code, such as +1 425 555 1212.' },
  { name: 'street_address', path: 'address.street_address', label: 'Street address', autocomplete: 'street-address', multiline: true },
  { name: 'locality', path: 'address.locality', label: 'City', autocomplete: 'address-level2' },
  { name: 'region', path: 'address.region', label: 'State or region', autocomplete: 'address-level1' },
  { name: 'postal_code', path: 'address.postal_code', label: 'Postal code', autocomplete: 'postal-code' },
  { name: 'country', path: 'address.country', label: 'Country', autocomplete: 'country-name' },
];
const SECTIONS = [
  { legend: 'Name', fields: NAME_FIELDS },
  { legend: 'About you', fields: ABOUT_FIELDS },
  { legend: 'Contact', fields: CONTACT_FIELDS },
];
const ALL_FIELDS = SECTIONS.flatMap((section) => section.fields);
const ADDRESS_MEMBERS = ['street_address', 'locality', 'region', 'postal_code', 'country'] as const;
const isAddressMember = (name: string): name is (typeof ADDRESS_MEMBERS)[number] => (ADDRESS_MEMBERS as readonly string[]).includes(name);

/** Every field optional, so a form that sends only some of them changes only those. */
export const profileForm = z.object(Object.fromEntries(ALL_FIELDS.map((field) => [field.name, z.string().max(4096).optional()])));
export type ProfileForm = z.output<typeof profileForm>;

function storedValue(user: User, name: string): string {
  if (name === 'name') return user.name ?? '';
  if (isAddressMember(name)) return user.claims.address?.[name] ?? '';
  const value = user.claims[name as keyof User['claims']];
  return typeof value === 'string' ? value : '';
}

/** The sections as the template shows them; `submitted` keeps what was typed when the form comes back with an error. */
export function profileSections(user: User, submitted?: ProfileForm) {
  return SECTIONS.map(({ legend, fields }) => ({
    legend,
    fields: fields.map((field) => ({
      ...field,
      id: field.name.replace(/_/g, '-'),
      value: submitted?.[field.name] ?? storedValue(user, field.name),
    })),
  }));
}

/** The form as a change: '' clears a claim, an absent field leaves it. */
export function profileChanges(user: User, form: ProfileForm): ProfileChanges {
  const claims: ClaimChanges = {};
  for (const field of ALL_FIELDS) {
    if (field.name === 'name' || isAddressMember(field.name)) continue;
    const value = form[field.name];
    if (value !== undefined) claims[field.name as Exclude<keyof ClaimChanges, 'address' | 'phone_number_verified'>] = value;
  }
  const address = Object.fromEntries(ADDRESS_MEMBERS.flatMap((member) => {
    const value = form[member];
    return value === undefined ? [] : [[member, value]];
  }));
  // A `formatted` address set by an operator would contradict edited parts (Core §5.1.1).
  const edited = ADDRESS_MEMBERS.some((member) => address[member] !== undefined && address[member].trim() !== (user.claims.address?.[member] ?? ''));
  if (Object.keys(address).length > 0) claims.address = edited ? { ...address, formatted: null } : address;
  return { ...(form.name !== undefined ? { name: form.name } : {}), claims };
}

/** "birthdate: must be …" → "Birthdate must be …", with the page's own labels. */
export function describeProblem(problem: string): string {
  const [path, ...rest] = problem.split(': ');
  const label = ALL_FIELDS.find((field) => (field.path ?? field.name) === path)?.label;
  return label ? `${label} ${rest.join(': ')}` : problem;
}
