import type { credentialsMethods } from '../../../preload/api/credentials';
import type { CredentialBroker } from '../../core/secrets/CredentialBroker';
import type { HandlersFor } from './HandlerTypes';

export function credentialsHandlers({ credentials }: { credentials: CredentialBroker }): HandlersFor<typeof credentialsMethods> {
  return {
    'credentials.pending': async () => credentials.openRequests(),
    'credentials.answer': async (answer) => {
      credentials.answer(answer);
      return null;
    },
  };
}
