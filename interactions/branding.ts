/** What the pages call the product; the only customisation the layout takes. */
export interface Branding {
  productName: string;
}

export const DEFAULT_BRANDING: Branding = Object.freeze({ productName: 'Sign in' });

export function resolveBranding(branding?: Partial<Branding>): Branding {
  const productName = branding?.productName?.trim();
  return { productName: productName || DEFAULT_BRANDING.productName };
}
