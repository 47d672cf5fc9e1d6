/**
 * oidc-provider hands its pages a ready-made <form> (hidden xsrf and state
 * fields, see lib/helpers/user_code_form.js and lib/actions/end_session.js).
 * Pages embed it as is and put their buttons and inputs outside it, tied to it
 * with the `form` attribute, so the field names stay the provider's.
 */

export const DEVICE_INPUT_FORM_ID = 'op.deviceInputForm';
export const DEVICE_CONFIRM_FORM_ID = 'op.deviceConfirmForm';
export const LOGOUT_FORM_ID = 'op.logoutForm';

export function formIdOf(form: string, fallback: string): string {
  return /<form\b[^>]*\bid="([^"]+)"/.exec(form)?.[1] ?? fallback;
}

export interface DeviceInputForm {
  /** The provider's form, without its own visible user_code input when `ownsInput`. */
  form: string;
  formId: string;
  /** True when the page must render the visible `user_code` input itself. */
  ownsInput: boolean;
  /** The code entered before, when the provider re-renders after an error. */
  userCode?: string;
  /** features.deviceFlow.charset "digits": a numeric keyboard suits it. */
  digitsOnly: boolean;
}

// The provider escaped these with its htmlSafe; pug escapes them again.
function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_match, entity: string) => (
    { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" } as Record<string, string>)[entity] ?? '');
}

/**
 * The provider's input form carries a visible user_code input with an inline
 * onfocus handler, which a strict CSP blocks. It is taken out and replaced by
 * the page's own labelled input; submitting both would send user_code twice,
 * which the provider rejects. When no such input is found (a future provider
 * version), the form is embedded unchanged and the page adds no input.
 */
export function takeUserCodeInput(form: string): DeviceInputForm {
  const formId = formIdOf(form, DEVICE_INPUT_FORM_ID);
  const inputs = form.match(/<input\b[^>]*>(?:\s*<\/input>)?/g) ?? [];
  const visible = inputs.find((tag) => /\bname="user_code"/.test(tag) && !/\btype="hidden"/.test(tag));
  if (!visible) return { form, formId, ownsInput: false, digitsOnly: false };
  const value = /\bvalue="([^"]*)"/.exec(visible)?.[1];
  return {
    form: form.replace(visible, ''),
    formId,
    ownsInput: true,
    userCode: value === undefined ? undefined : unescapeHtml(value),
    digitsOnly: /\binputmode="numeric"/.test(visible),
  };
}
