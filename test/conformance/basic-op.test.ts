import { startConformanceServer, type ConformanceContext } from './conformance-client.js';
import { BASIC_PLAN } from './basic-plan.js';

/**
 * Basic OP (oidcc-basic-certification-test-plan): response_type=code,
 * response_mode default (query), static clients in code authenticating with
 * client_secret_basic (client_secret_post for oidcc-server-client-secret-post),
 * PKCE optional. Each `it` is one module of the plan, named as in the suite.
 */
describe('Basic OP certification plan: code flow, client_secret_basic, static client', () => {
  let ctx: ConformanceContext;
  beforeAll(async () => { ctx = await startConformanceServer('conformance_basic'); });
  afterAll(async () => { await ctx.server.close(); });

  for (const module of BASIC_PLAN) {
    it(module.name, () => module.run(ctx, 'query'));
  }
});
