// Ack ids: the parser the broker runs per acked message agrees with the pattern that defines them,
// on ids it made and on anything a client may send.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatAckId, parseAckId, parseAckIdStrictly } from './ack-id.ts';

const outcome = (f: () => unknown) => {
  try {
    return { ok: f() };
  } catch (e) {
    return { error: e instanceof Error ? `${(e as { code?: string }).code} ${e.message}` : String(e) };
  }
};

test('property: parseAckId answers as the pattern does, for well-formed, damaged and foreign ids', () => {
  const name = fc.stringMatching(/^[a-zA-Z0-9._-]{1,12}$/);
  const made = fc
    .tuple(name, fc.nat(9999), fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constant(9_999_999_999_999_999)), fc.integer({ min: 0, max: 1_000_000 }))
    .map(([sub, partition, offset, attempt]) => ({ sub, raw: formatAckId(sub, { partition, offset, attempt }) }));
  // Damage: a character replaced, inserted or removed, or the id of another subscription.
  const damaged = fc.tuple(made, fc.nat(), fc.constantFrom('', ':', '0', '9', 'a', '-', ' ', '\u0661', '+', '.'), fc.constantFrom('replace', 'insert', 'remove', 'other')).map(([m, at, ch, how]) => {
    const i = at % (m.raw.length + 1);
    if (how === 'other') return { sub: `${m.sub}x`, raw: m.raw };
    const raw = how === 'replace' ? m.raw.slice(0, i) + ch + m.raw.slice(i + 1) : how === 'insert' ? m.raw.slice(0, i) + ch + m.raw.slice(i) : m.raw.slice(0, i) + m.raw.slice(i + 1);
    return { sub: m.sub, raw };
  });
  const anything = fc.tuple(name, fc.oneof(fc.string({ maxLength: 40 }), fc.anything())).map(([sub, raw]) => ({ sub, raw: raw as unknown }));
  fc.assert(
    fc.property(fc.oneof(made, damaged, anything), ({ sub, raw }) => {
      assert.deepEqual(outcome(() => parseAckId(sub, raw)), outcome(() => parseAckIdStrictly(sub, raw)));
    }),
    { numRuns: 5_000 },
  );
  assert.deepEqual(parseAckId('s', 's:3:42:1'), { partition: 3, offset: 42, attempt: 1 });
});
