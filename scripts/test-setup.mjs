// Preloaded by scripts/run-tests.mjs into every test file's process.
// fast-check sizes generated arrays, strings and byte arrays by its `baseSize`, not by the
// `maxLength` a test gives: the default ('small') stops at ~10 elements, so a codec property over
// `uint8Array({ maxLength: 5000 })` saw at most 10 bytes. 'medium' reaches 100 (within each
// maxLength) at no measurable cost to the run; 'large' (1,000) made the property files take 4 minutes
// instead of 16 s. A test that needs its full maxLength says `size: 'max'`.
import fc from 'fast-check';

fc.configureGlobal({ baseSize: 'medium' });
