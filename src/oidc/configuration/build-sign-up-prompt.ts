import { interactionPolicy } from 'oidc-provider';

const { Check, Prompt } = interactionPolicy;

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
  const prompt = new Prompt({ name: CREATE_PROMPT, requestable: true });
  // oidc-provider's own check for a requestable prompt asks again on every
  // resume whose result lacks `create`, and the sign-in page finishes with a
  // login result alone: "I have an account" would lead back to sign-up after
  // signing in. Answered once per request: by a sign-up, by leaving for the
  // sign-in page, or by a sign-in.
  prompt.checks.remove(`${CREATE_PROMPT}_prompt`);
  prompt.checks.add(new Check(`${CREATE_PROMPT}_prompt`, 'create prompt was not resolved', 'interaction_required', (ctx) => {
    const result = ctx.oidc.result as Record<string, unknown> | undefined;
    return ctx.oidc.prompts.has(CREATE_PROMPT) && !result?.[CREATE_PROMPT] && !result?.login;
  }));
  return prompt;
}

/**
 * Discovery `prompt_values_supported` (Prompt Create §4.2, OpenID Connect
 * Discovery 1.0 §3): none, and every prompt a client may request.
 * oidc-provider does not publish it itself; the `discovery` option adds it.
 */
export function promptValuesSupported(policy: readonly interactionPolicy.Prompt[]): string[] {
  return ['none', ...policy.filter((prompt) => prompt.requestable).map((prompt) => prompt.name)];
}
