import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import { requireOperator, requireSuperuser } from './admin-access.js';
import type { AdminPageDeps } from './admin-deps.js';
import { createDisableApp, createEnableApp, createRotateAppSecret, createSetRedirectUris } from './app-actions.js';
import { createShowApp } from './app.js';
import { createListApps } from './apps.js';
import { createExportAudit, createShowAudit } from './audit.js';
import { createRotateKeys, createShowOverview } from './overview.js';
import { createListPeople } from './people.js';
import {
  createDisablePerson, createEnablePerson, createResetFactors, createSendPasswordReset, createSetRole, createSignOutEverywhere,
} from './person-actions.js';
import { createShowPerson } from './person.js';
import { createEndSession, createListSessions, createRevokeAppAccess } from './sessions.js';

/**
 * The operator console (/admin). `post` is the body parser, the CSRF check
 * and the form text guard; every POST passes them before the operator check,
 * so a forged post is refused without reading the session. Staff see
 * everything and act on people and sessions; roles, apps and keys are
 * superusers' (requireSuperuser).
 */
export function addAdminRoutes(router: Router, deps: AdminPageDeps, post: Middleware[]): void {
  const operator = requireOperator(deps);
  const superuser = requireSuperuser(deps);
  const staffPost = [...post, operator];
  const superPost = [...post, operator, superuser];

  router.get('/admin', operator, createShowOverview(deps));
  router.post('/admin/keys/rotate', ...superPost, createRotateKeys(deps));

  router.get('/admin/people', operator, createListPeople(deps));
  router.get('/admin/people/:id', operator, createShowPerson(deps));
  router.post('/admin/people/:id/disable', ...staffPost, createDisablePerson(deps));
  router.post('/admin/people/:id/enable', ...staffPost, createEnablePerson(deps));
  router.post('/admin/people/:id/role', ...superPost, createSetRole(deps));
  router.post('/admin/people/:id/reset-mfa', ...staffPost, createResetFactors(deps));
  router.post('/admin/people/:id/sign-out', ...staffPost, createSignOutEverywhere(deps));
  router.post('/admin/people/:id/password-reset', ...staffPost, createSendPasswordReset(deps));
  router.post('/admin/people/:id/sessions/:sessionId/end', ...staffPost, createEndSession(deps));
  router.post('/admin/people/:id/apps/:clientId/revoke', ...staffPost, createRevokeAppAccess(deps));

  router.get('/admin/sessions', operator, createListSessions(deps));

  router.get('/admin/apps', operator, createListApps(deps));
  router.get('/admin/apps/:clientId', operator, createShowApp(deps));
  router.post('/admin/apps/:clientId/disable', ...superPost, createDisableApp(deps));
  router.post('/admin/apps/:clientId/enable', ...superPost, createEnableApp(deps));
  router.post('/admin/apps/:clientId/rotate', ...superPost, createRotateAppSecret(deps));
  router.post('/admin/apps/:clientId/redirect-uris', ...superPost, createSetRedirectUris(deps));

  router.get('/admin/audit', operator, createShowAudit(deps));
  router.get('/admin/audit/export', operator, createExportAudit(deps));
}
