import type { guestAddressesMethods } from '../../../preload/api/guestAddresses';
import type { GuestAddressWatcher } from '../../core/guestAddresses/GuestAddressWatcher';
import type { HandlersFor } from './HandlerTypes';

export interface GuestAddressesHandlerDeps {
  guestAddresses: Pick<GuestAddressWatcher, 'read'>;
}

export function guestAddressesHandlers({ guestAddresses }: GuestAddressesHandlerDeps): HandlersFor<typeof guestAddressesMethods> {
  return {
    'vms.addresses': ({ hostId, uuid }) => guestAddresses.read(hostId, uuid),
  };
}
