import { interactionPolicy } from 'oidc-provider';

const { Prompt } = interactionPolicy;

/**
 * OpenID Connect Prompt Create 1.0 §4: `prompt=create` asks the OP to show
 * account creation instead of sign-in. A requestable prompt of that name
 * makes oidc-provider accept the value (checkPrompt in
 * lib/actions/authorization/request_parameters.js refuses a value no prompt
 * answers with invalid_request, what §4.1 asks of an OP that does not
 * support it) and opens an interaction whose
 * prompt.name is `create` until the result carries `create`
 * (interactions/sign-up.ts). Put before login, so a new account is signed
 * in by the same result.
 */
export const CREATE_PROMPT = 'create';

export function signUpPrompt(): interactionPolicy.Prompt {
  // requestable: oidc-provider adds the check "create prompt was not resolved" itself.
  return new Prompt({ name: CREATE_PROMPT, requestable: true });
}

/**
 * Discovery `prompt_values_supported` (Prompt Create §4.2, OpenID Connect
 * Discovery 1.0 §3): none, and every prompt a client may request.
 * oidc-provider does not publish it itself; the `discovery` option adds it.
 */
export function promptValuesSupported(policy: readonly interactionPolicy.Prompt[]): string[] {
  return ['none', ...policy.filter((prompt) => prompt.requestable).map((prompt) => prompt.name)];
}
