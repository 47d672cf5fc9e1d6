import type { Context } from 'koa';
import QRCode from 'qrcode';
import { hasSecondFactor } from '../src/accounts/factors/second-factors.js';
import { describeClient } from './client-display.js';
import { clientIdOf, type InteractionDeps, type InteractionDetails } from './interaction-deps.js';
import { renderWrongPrompt } from './interaction-errors.js';
import { PASSKEY_SCRIPTS } from './scripts.js';

export interface FactorPageState {
  status?: number;
  error?: string;
}

/** The otpauth:// URI as a QR code: SVG drawn on the server (no third party sees the secret), as a data: image. */
export async function qrImage(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** Whether the person may skip: a voluntary acr_values request only (build-interaction-policy.ts says so in the prompt details). */
function isSkippable(details: InteractionDetails): boolean {
  return (details.prompt.details as { skippable?: unknown }).skippable === true;
}

async function renderEnrolPage(ctx: Context, deps: InteractionDeps, details: InteractionDetails, accountId: string, state: FactorPageState): Promise<void> {
  const factors = deps.factors!;
  const user = await deps.accounts.findActiveUser(accountId);
  const enrolment = user ? await factors.totp.begin({ id: user.id, username: user.username }) : undefined;
  if (!enrolment) return renderWrongPrompt(ctx, deps.render);
  const base = `/interaction/${details.uid}`;
  const clientId = clientIdOf(details);
  await deps.render(ctx, 'second-factor-enrol', {
    title: 'Add a second step',
    client: describeClient(await deps.provider.Client.find(clientId), clientId),
    passkey: factors.passkeys.relyingParty.available ? { action: `${base}/enrol/passkey`, optionsAction: `${base}/enrol/passkey/options` } : undefined,
    totp: { secret: enrolment.secret, qr: await qrImage(enrolment.uri), action: `${base}/enrol/totp` },
    skipAction: isSkippable(details) ? `${base}/skip` : undefined,
    abortAction: `${base}/abort`,
    scripts: PASSKEY_SCRIPTS,
    error: state.error,
  }, state.status ?? 200);
}

/**
 * GET /interaction/:uid for the `mfa` prompt: the ways this account can
 * prove a second factor, or enrolment when it has none yet (client
 * requireMfa, a role in MFA_REQUIRED_ROLES, or the MFA acr requested).
 */
export async function renderSecondFactorPage(ctx: Context, deps: InteractionDeps, details: InteractionDetails, state: FactorPageState = {}): Promise<void> {
  const accountId = details.session?.accountId;
  const counts = accountId && deps.factors ? await deps.factors.counts(accountId) : undefined;
  if (!accountId || !counts) return renderWrongPrompt(ctx, deps.render);
  if (!hasSecondFactor(counts)) return renderEnrolPage(ctx, deps, details, accountId, state);
  const base = `/interaction/${details.uid}`;
  const clientId = clientIdOf(details);
  const passkeys = counts.passkeys > 0 && deps.factors!.passkeys.relyingParty.available;
  await deps.render(ctx, 'second-factor', {
    title: 'Confirm it’s you',
    client: describeClient(await deps.provider.Client.find(clientId), clientId),
    passkey: passkeys ? { action: `${base}/passkey`, optionsAction: `${base}/passkey/options` } : undefined,
    totpAction: counts.totp ? `${base}/totp` : undefined,
    recoveryAction: counts.recoveryCodesLeft > 0 ? `${base}/recovery` : undefined,
    abortAction: `${base}/abort`,
    scripts: passkeys ? PASSKEY_SCRIPTS : undefined,
    error: state.error,
  }, state.status ?? 200);
}
