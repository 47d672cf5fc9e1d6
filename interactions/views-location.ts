import { fileURLToPath } from 'node:url';

// Resolved from this file so the same code finds the templates under tsx,
// jest and the compiled dist/ tree (the build copies views/ next to it).
export const VIEWS_DIR = fileURLToPath(new URL('./views/', import.meta.url));

export const STYLESHEET_FILE = fileURLToPath(new URL('./views/assets/style.css', import.meta.url));

/** Linked from layout.pug; served by the interaction router. */
export const STYLESHEET_PATH = '/interaction-assets/style.css';
/** The generated rules carrying BRAND_COLOR; linked only when it is set. */
export const BRAND_STYLESHEET_PATH = '/interaction-assets/brand.css';

/** Every template a page can render, named after its file in views/. */
export type PageView =
  | 'start'
  | 'login'
  | 'consent'
  | 'error'
  | 'device-code-input'
  | 'device-code-confirm'
  | 'device-success'
  | 'logout-confirm'
  | 'logout-success'
  | 'account-profile'
  | 'account-password'
  | 'account-connected'
  | 'account-connected-remove'
  | 'account-apps'
  | 'account-app-new'
  | 'account-app'
  // Strong authentication (second factor, passkeys, authenticator app, recovery codes).
  | 'second-factor'
  | 'second-factor-enrol'
  | 'recovery-codes'
  | 'account-security'
  | 'account-totp'
  | 'account-confirm'
  // The operator console (interactions/admin/), all on admin-layout.pug.
  | 'admin-overview'
  | 'admin-people'
  | 'admin-person'
  | 'admin-apps'
  | 'admin-app'
  | 'admin-sessions'
  | 'admin-audit'
  | 'admin-confirm'
  // Account lifecycle by e-mail (issue 14): reset, verification, invitation, sign-up.
  | 'forgot-password'
  | 'set-password'
  | 'verify-email'
  | 'account-email'
  | 'sign-up';
