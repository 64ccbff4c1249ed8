import type { appMethods } from '../../../preload/api/app';
import type { HandlersFor } from './HandlerTypes';

export function appHandlers(deps: { version: string; mode: 'electron' | 'browser' | 'headless' }): HandlersFor<typeof appMethods> {
  return { 'app.info': async () => ({ version: deps.version, mode: deps.mode }) };
}
