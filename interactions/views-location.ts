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
  | 'account-apps'
  | 'account-app-new'
  | 'account-app';
