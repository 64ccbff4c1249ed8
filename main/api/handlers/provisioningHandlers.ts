import type { provisioningMethods } from '../../../preload/api/provisioning';
import type { ProvisioningService } from '../../core/provisioning/ProvisioningService';
import type { HandlersFor } from './HandlerTypes';

export interface ProvisioningHandlerDeps {
  provisioning: ProvisioningService;
}

export function provisioningHandlers(deps: ProvisioningHandlerDeps): HandlersFor<typeof provisioningMethods> {
  const p = deps.provisioning;
  return {
    'provisioning.catalog': (query) => p.catalog(query),
    'provisioning.osList': (query) => p.osList(query),
    'provisioning.validate': async (draft) => ({ errors: await p.validate(draft) }),
    'provisioning.propose': ({ request }) => p.propose(request),
    'provisioning.place': ({ request, name, overrideHostId }) =>
      p.place(request, { ...(name !== undefined ? { name } : {}), ...(overrideHostId !== undefined ? { overrideHostId } : {}) }),
    'provisioning.installMedia': ({ hostId }) => p.installMedia(hostId === undefined ? {} : { hostId }),
    'provisioning.templates.list': () => p.listTemplates(),
    'provisioning.templates.save': (args) => {
      const { id, name, description, purposes, replace } = args;
      const fields = { id, name, description, purposes, replace };
      return 'request' in args
        ? p.saveTemplate(fields, { request: args.request })
        : p.saveTemplate(fields, { fromVm: args.fromVm, ...(args.osinfoId !== undefined ? { osinfoId: args.osinfoId } : {}) });
    },
    'provisioning.templates.delete': async ({ id }) => {
      await p.deleteTemplate(id);
      return {};
    },
  };
}
