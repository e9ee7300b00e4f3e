// DefaultAzureCredential, loaded only when api.auth is entra-id: @azure/identity and its MSAL
// dependencies cost nothing to anyone who uses a key.
import { CredentialFailure, oneLine } from './credential-failure.js';
import type { TokenCredentialLike } from './token-provider.js';

let loading: Promise<TokenCredentialLike> | null = null;

/** One DefaultAzureCredential per process, created on first use. */
export function defaultAzureCredential(): Promise<TokenCredentialLike> {
  loading ??= (async () => {
    let identity: typeof import('@azure/identity');
    try {
      identity = await import('@azure/identity');
    } catch (error) {
      throw new CredentialFailure(`entra-id: @azure/identity cannot be loaded (${oneLine(error)})`);
    }
    try {
      return new identity.DefaultAzureCredential();
    } catch (error) {
      // For example an AZURE_TOKEN_CREDENTIALS value it does not know.
      throw new CredentialFailure(`entra-id: DefaultAzureCredential: ${oneLine(error)}`);
    }
  })();
  return loading;
}
