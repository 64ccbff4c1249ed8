/** The app itself: version and the front end it runs in. */
import { z } from 'zod';
import { NoArgsSchema } from '../schemas';

export const appMethods = {
  'app.info': {
    input: NoArgsSchema,
    output: z.strictObject({ version: z.string(), mode: z.enum(['electron', 'browser', 'headless']) }),
  },
} as const;
