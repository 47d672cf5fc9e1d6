import { startConformanceServer, type ConformanceContext } from './conformance-client.js';
import { BASIC_PLAN } from './basic-plan.js';

/**
 * Form Post OP (oidcc-formpost-basic-certification-test-plan): the Basic
 * plan's modules with response_mode=form_post (OAuth 2.0 Form Post Response
 * Mode). Every authorization response, errors included, must arrive as an
 * auto-submitting HTML form POSTing to the redirect_uri, whose inline script
 * the page's Content-Security-Policy allows.
 */
describe('Form Post OP certification plan: code flow with response_mode=form_post', () => {
  let ctx: ConformanceContext;
  beforeAll(async () => { ctx = await startConformanceServer('conformance_form_post'); });
  afterAll(async () => { await ctx.server.close(); });

  for (const module of BASIC_PLAN) {
    it(module.name, () => module.run(ctx, 'form_post'));
  }
});
