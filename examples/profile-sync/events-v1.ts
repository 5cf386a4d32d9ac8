// UserProfileUpdated as the legacy signup-service still knows it (an older version of the shared
// contract package): one `name` field. It keeps publishing version 1 after the upgrade.
import { z } from 'zod';
import { defineEvent } from '../../src/client/index.ts'; // in your app: from 'eddy'

export const UserProfileUpdatedV1 = defineEvent('UserProfileUpdated', {
  version: 1,
  schema: z.object({ userId: z.string(), name: z.string(), email: z.string() }),
  key: (p) => p.userId,
});
