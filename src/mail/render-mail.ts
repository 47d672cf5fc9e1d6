import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile, type CompiledTemplate } from 'pug';

// Resolved from this file, so tsx, jest and the compiled dist/ tree (the
// build copies templates/ beside it) find the same templates.
export const MAIL_TEMPLATES_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

/** Each mail is two templates: <name>.pug (HTML, extends layout.pug) and <name>.text.pug (the plain-text part). */
export type MailTemplate = 'password-reset' | 'verify-email' | 'email-change-notice' | 'invitation';

/** BRAND_NAME, BRAND_COLOR and BRAND_LOGO_URL, as the pages use them. */
export interface MailBrand {
  productName: string;
  color?: string;
  logoUrl?: string;
}

export interface RenderedMail {
  html: string;
  text: string;
}

export type MailRenderer = (template: MailTemplate, locals: Record<string, unknown>) => RenderedMail;

/**
 * Black or white text on the brand colour (WCAG 2.1 relative luminance),
 * the same rule as the pages' buttons (interactions/branding.ts); mail
 * clients ignore stylesheets, so the colours go inline.
 */
export function textOn(hex: string): string {
  const digits = hex.length === 4 ? [...hex.slice(1)].map((c) => c + c).join('') : hex.slice(1);
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(digits.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? '#000000' : '#ffffff';
}

/** Compiles each template once; templates are dumb: every value arrives preformatted. */
export function createMailRenderer(brand: MailBrand): MailRenderer {
  const compiled = new Map<string, CompiledTemplate>();
  const template = (file: string) => {
    let found = compiled.get(file);
    if (!found) {
      found = compileFile(path.join(MAIL_TEMPLATES_DIR, file));
      compiled.set(file, found);
    }
    return found;
  };
  const accent = brand.color ?? '#1f5fd6';
  const shared = { productName: brand.productName, logoUrl: brand.logoUrl, accent, accentText: textOn(accent) };
  return (name, locals) => ({
    html: template(`${name}.pug`)({ ...locals, ...shared }),
    // Plain text is not HTML: the text templates interpolate with !{…}, unescaped.
    text: `${template(`${name}.text.pug`)({ ...locals, ...shared }).trim()}\n`,
  });
}
