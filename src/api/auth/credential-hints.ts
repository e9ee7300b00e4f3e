// What to tell the user when the API answers 401 or 403, for the credential in use. Kept per
// client, so the source can word its one fatal line without knowing how the client was built.
import type { ApiConfig } from '../../config/types.js';

export interface CredentialHints {
  /** The complete message for a 401. */
  rejected: string;
  /** The complete message for a 403. */
  denied: string;
}

export const OPENAI_KEY_HINTS: CredentialHints = {
  rejected: 'the API rejected the key (401): check OPENAI_API_KEY, or api.api_key_env in the config file',
  denied: 'the API refused access (403): the key lacks permission for the Assistants API on this project',
};

export function describeCredential(api: ApiConfig): CredentialHints {
  const credential = api.credential;
  if (!credential) return OPENAI_KEY_HINTS;
  switch (credential.auth) {
    case 'api-key':
      return {
        rejected: `the API rejected the key (401): check AZURE_OPENAI_API_KEY (or OPENAI_API_KEY, or api.api_key_env) and that it belongs to the resource in api.base_url`,
        denied: 'the API refused access (403): the key has no access to this resource',
      };
    case 'bearer-env':
      return {
        rejected: `the API rejected the bearer token from ${credential.variable} (401): it is wrong, for another audience, or expired (api.auth entra-id renews tokens)`,
        denied: `the API refused access (403): the identity behind the token in ${credential.variable} has no data-plane role on this resource`,
      };
    case 'entra-id':
      return {
        rejected: `the API rejected the Entra ID token (401): check the signed-in identity and api.token_scope (${credential.scope})`,
        denied:
          'the API refused access (403): the identity has no data-plane role on this resource (Azure AI User on a Foundry project, Cognitive Services OpenAI User on Azure OpenAI)',
      };
  }
}

const hintsByClient = new WeakMap<object, CredentialHints>();

export function setCredentialHints(client: object, hints: CredentialHints): void {
  hintsByClient.set(client, hints);
}

export function credentialHintsOf(client: object): CredentialHints {
  return hintsByClient.get(client) ?? OPENAI_KEY_HINTS;
}
