// Profile sync across a schema change. UserProfileUpdated went from v1 ({ name }) to v2
// ({ firstName, lastName, locale }). account-service already publishes v2; the legacy signup-service
// still publishes v1. crm-service and comments-service each keep a denormalized copy of every
// profile; both are written against v2 only and, thanks to the upcaster, see v2 for every event.
//
//   node --import tsx examples/profile-sync/run.ts
import { createEventBus } from '../../src/client/index.ts'; // in your app: from 'eddy'
import { startLocalBroker, until } from '../shared/local-broker.ts';
import { UserProfileUpdated } from './events.ts';
import { UserProfileUpdatedV1 } from './events-v1.ts';

const { broker, transport, removeData } = await startLocalBroker('profile');

const legacySignup = await createEventBus({ source: 'signup-service@1.4', transport }); // the old producer: v1
const accounts = await createEventBus({ source: 'account-service@2.0', transport }); // the new producer: v2
const crm = await createEventBus({ source: 'crm-service', transport });
const comments = await createEventBus({ source: 'comments-service', transport });
const buses = [legacySignup, accounts, crm, comments];

// The two denormalized copies, each in its service's own shape.
const crmContacts = new Map<string, { name: string; email: string; locale: string }>();
const commentAuthors = new Map<string, string>(); // userId -> display name "Ada L."
let crmHandled = 0;
let commentsHandled = 0;
const sawOnlyV2 = { crm: true, comments: true };
const isV2 = (p: object) => 'firstName' in p && 'lastName' in p && 'locale' in p && !('name' in p);
const retry = { attempts: 3, backoff: { initialMs: 100 } };

let exitCode = 1;
try {
  await Promise.all([
    crm.subscribe(UserProfileUpdated, (p, ctx) => {
      sawOnlyV2.crm &&= isV2(p);
      crmContacts.set(p.userId, { name: `${p.lastName}, ${p.firstName}`, email: p.email, locale: p.locale });
      crmHandled++;
      console.log(`[crm-service] ${p.userId} from ${ctx.source} (published as v${ctx.version}, handled as v2): ${JSON.stringify(p)}`);
    }, { group: 'crm-service', concurrency: 8, retry, pollWaitMs: 200 }).ready,
    comments.subscribe(UserProfileUpdated, (p, ctx) => {
      sawOnlyV2.comments &&= isV2(p);
      commentAuthors.set(p.userId, `${p.firstName} ${p.lastName.charAt(0)}.`);
      commentsHandled++;
      console.log(`[comments-service] ${p.userId} from ${ctx.source} (published as v${ctx.version}): author "${commentAuthors.get(p.userId)}"`);
    }, { group: 'comments-service', concurrency: 8, retry, pollWaitMs: 200 }).ready,
  ]);

  // Interleaved updates from both producers; per user, the log order is the order applied.
  const updates: (() => Promise<unknown>)[] = [
    () => legacySignup.publish(UserProfileUpdatedV1, { userId: 'u-1', name: 'Ada Lovelace', email: 'ada@example.com' }),
    () => legacySignup.publish(UserProfileUpdatedV1, { userId: 'u-2', name: 'Grace Hopper', email: 'grace@example.com' }),
    () => legacySignup.publish(UserProfileUpdatedV1, { userId: 'u-3', name: 'Alan Turing', email: 'alan@example.com' }),
    () => accounts.publish(UserProfileUpdated, { userId: 'u-1', firstName: 'Ada', lastName: 'King', email: 'ada@example.com', locale: 'en-GB' }),
    () => legacySignup.publish(UserProfileUpdatedV1, { userId: 'u-2', name: 'Grace Hopper', email: 'grace.hopper@navy.example' }),
    () => accounts.publish(UserProfileUpdated, { userId: 'u-3', firstName: 'Alan', lastName: 'Turing', email: 'turing@example.com', locale: 'en-GB' }),
  ];
  console.log(`publishing ${updates.length} updates: 4 x v1 from signup-service@1.4, 2 x v2 from account-service@2.0`);
  for (const u of updates) await u();
  await until('both services to apply every update', () => crmHandled === updates.length && commentsHandled === updates.length);

  // The log keeps each event as it was written: the v1 ones still say { name } and ce_version 1.
  const stored = (await (await fetch(`${broker.http.url}/v1/topics/UserProfileUpdated/partitions/0/events?offset=earliest`)).json()) as { events: { headers: Record<string, string>; value: unknown }[] };
  const versions = stored.events.map((e) => `v${e.headers.ce_version}`);
  console.log(`\nstored in the log as written: ${versions.join(', ')}; first v1 event: ${JSON.stringify(stored.events[0]?.value)}`);

  console.log('\n== crm-service contacts');
  for (const [id, c] of [...crmContacts].sort()) console.log(`${id}  ${c.name} <${c.email}> ${c.locale}`);
  console.log('== comments-service authors');
  for (const [id, a] of [...commentAuthors].sort()) console.log(`${id}  ${a}`);

  const expected = {
    'u-1': { name: 'King, Ada', email: 'ada@example.com', locale: 'en-GB', author: 'Ada K.' },
    'u-2': { name: 'Hopper, Grace', email: 'grace.hopper@navy.example', locale: 'en-US', author: 'Grace H.' },
    'u-3': { name: 'Turing, Alan', email: 'turing@example.com', locale: 'en-GB', author: 'Alan T.' },
  };
  const inSync = Object.entries(expected).every(([id, e]) => {
    const c = crmContacts.get(id);
    return c?.name === e.name && c.email === e.email && c.locale === e.locale && commentAuthors.get(id) === e.author;
  }) && crmContacts.size === 3 && commentAuthors.size === 3;
  console.log(`\nboth copies in sync with the latest update of each user: ${inSync ? 'yes' : 'NO'}`);
  console.log(`handlers only ever saw v2 payloads: ${sawOnlyV2.crm && sawOnlyV2.comments ? 'yes' : 'NO'}`);
  const ok = inSync && sawOnlyV2.crm && sawOnlyV2.comments && versions.join(',') === 'v1,v1,v1,v2,v1,v2';
  console.log(ok ? 'profile-sync example: OK' : 'profile-sync example: UNEXPECTED RESULT');
  exitCode = ok ? 0 : 1;
} catch (e) {
  console.error(e);
} finally {
  await Promise.all(buses.map((b) => b.close()));
  await broker.close();
  await removeData();
}
process.exitCode = exitCode;
