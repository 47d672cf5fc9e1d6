/** What the pages are branded with (BRAND_NAME, BRAND_COLOR, BRAND_LOGO_URL). */
export interface Branding {
  productName: string;
  /** A validated hex colour (#rgb or #rrggbb), or undefined for the stylesheet's own. */
  color?: string;
  /** An https URL (checked by the config schema). */
  logoUrl?: string;
}

/**
 * Without BRAND_NAME the pages are headed with the issuer's host (what a person
 * sees in the address bar), so "Do you want to sign out of id.example.com?"
 * reads right; a neutral name stands in where no issuer is known.
 */
export const DEFAULT_BRANDING: Branding = Object.freeze({ productName: 'Account' });

/** The product name for an issuer when BRAND_NAME is not set: its host, e.g. id.example.com or localhost:3000. */
export function defaultProductName(issuer: string): string {
  return URL.parse(issuer)?.host || DEFAULT_BRANDING.productName;
}

const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

function httpsUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return new URL(value).protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Checks again what the config already validated, so a caller passing raw values cannot inject CSS or markup. */
export function resolveBranding(branding?: Partial<Branding>): Branding {
  const productName = branding?.productName?.trim();
  const color = branding?.color && HEX_COLOR.test(branding.color) ? branding.color.toLowerCase() : undefined;
  return { productName: productName || DEFAULT_BRANDING.productName, color, logoUrl: httpsUrl(branding?.logoUrl) };
}

function expand(hex: string): [number, number, number] {
  const digits = hex.length === 4 ? [...hex.slice(1)].map((c) => c + c).join('') : hex.slice(1);
  return [0, 2, 4].map((i) => parseInt(digits.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG 2.1 relative luminance: picks black or white text for buttons in the brand colour. */
function textOn(hex: string): string {
  const [r, g, b] = expand(hex).map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.179 ? '#000000' : '#ffffff';
}

/**
 * The brand colour as a stylesheet of its own: the CSP (style-src 'self')
 * forbids inline styles, so the colour cannot travel in a style attribute.
 * The same colour is used in dark mode; only the text on it is computed.
 */
export function brandStylesheet(branding: Branding): string {
  if (!branding.color) return '/* no BRAND_COLOR set */\n';
  const rules = `--accent: ${branding.color}; --accent-text: ${textOn(branding.color)};`;
  return `:root { ${rules} }\n@media (prefers-color-scheme: dark) { :root { ${rules} } }\n`;
}
