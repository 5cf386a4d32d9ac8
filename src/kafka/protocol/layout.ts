// Pieces the API version modules share when one layout serves several versions.

/**
 * What ends each structure of a layout: nothing in a classic version (`untagged`), the tagged-field
 * section in a flexible one (KIP-482: `() => r.tags()` / `() => w.tags()`). A layout function taking
 * it serves both, so a flexible version reuses the classic layout and only adds its tags.
 */
export type StructEnd = () => void;

export const untagged: StructEnd = () => {};

/** The all-zero UUID: Kafka's "no topic id". */
export const ZERO_UUID = new Uint8Array(16);
