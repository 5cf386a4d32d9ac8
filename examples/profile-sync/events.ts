// UserProfileUpdated version 2: the name split in two, plus a locale. The upcaster turns a version-1
// payload into version 2, so consumers written against v2 handle old and new events alike.
import { z } from 'zod';
import { defineEvent } from '../../src/client/index.ts'; // in your app: from 'eddy'

export const UserProfileUpdated = defineEvent('UserProfileUpdated', {
  version: 2,
  schema: z.object({ userId: z.string(), firstName: z.string(), lastName: z.string(), email: z.string(), locale: z.string() }),
  upcast: {
    // v1 { userId, name, email } -> v2; the result is validated against the v2 schema
    1: (v1) => {
      const [firstName = '', ...rest] = String(v1.name).trim().split(/\s+/);
      return { userId: v1.userId, firstName, lastName: rest.join(' '), email: v1.email, locale: 'en-US' };
    },
  },
  key: (p) => p.userId, // one user's updates are handled in order, whoever published them
});
