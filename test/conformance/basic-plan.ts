import { BASIC_CLAIMS_MODULES as C } from './basic-claims-modules.js';
import { BASIC_FLOW_MODULES as F } from './basic-flow-modules.js';
import { BASIC_REQUEST_MODULES as R } from './basic-request-modules.js';
import type { PlanModule } from './code-flow.js';

/**
 * The modules of OIDCCBasicTestPlan (oidcc-basic-certification-test-plan), in
 * the plan's order. The Form Post OP plan (OIDCCFormPostBasicTestPlan) runs
 * the very same list with response_mode=form_post.
 */
export const BASIC_PLAN: readonly PlanModule[] = Object.freeze([
  F.server,
  F.responseTypeMissing,
  F.idTokenSignature,
  F.idTokenUnsigned,
  F.userinfoGet,
  F.userinfoPostHeader,
  F.userinfoPostBody,
  F.nonceNotRequired,
  C.scopeProfile,
  C.scopeEmail,
  C.scopeAddress,
  C.scopePhone,
  C.scopeAll,
  C.alternateHappyFlow,
  R.displayPage,
  R.displayPopup,
  R.promptLogin,
  R.promptNoneNotLoggedIn,
  R.promptNoneLoggedIn,
  R.maxAge1,
  R.maxAge10000,
  R.unknownParameter,
  R.idTokenHint,
  R.loginHint,
  R.uiLocales,
  R.claimsLocales,
  R.acrValues,
  F.codeReuse,
  F.codeReuse30Seconds,
  F.registeredRedirectUri,
  F.postRequest,
  F.clientSecretPost,
  C.requestUriUnsigned,
  C.unsignedRequestObject,
  C.claimsEssential,
  C.requestObjectRedirectUri,
  F.refreshToken,
  F.validPkce,
]);
