// The SDK as the SDK benches load it: by default the compiled package (dist/, what a service imports;
// `npm run build` first, and a dist/ older than any source file is refused), or with
// EDDY_BENCH_SDK=src its TypeScript sources through tsx. tsx's output calls a naming helper (`__name`)
// for every function and closure it makes: measured through it, the SDK subscriber spent ~15% more CPU
// per event than the compiled SDK does (session 15), so src is for quick experiments only.

import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Sdk = typeof import('../src/client/index.ts');

export const sdkSource: 'dist' | 'src' = process.env.EDDY_BENCH_SDK === 'src' ? 'src' : 'dist';

function checkBuilt(): void {
  const entry = fileURLToPath(new URL('../dist/client/index.js', import.meta.url));
  const src = fileURLToPath(new URL('../src/', import.meta.url));
  let builtMs: number;
  try {
    builtMs = statSync(entry).mtimeMs;
  } catch {
    throw new Error('dist/ is missing: run `npm run build` first (or EDDY_BENCH_SDK=src to load the sources)');
  }
  for (const f of readdirSync(src, { recursive: true }) as string[]) {
    if (f.endsWith('.ts') && !f.endsWith('.test.ts') && statSync(src + f).mtimeMs > builtMs) {
      throw new Error(`src/${f} is newer than dist/: run \`npm run build\` first (or EDDY_BENCH_SDK=src)`);
    }
  }
}

if (sdkSource === 'dist') checkBuilt();

export const sdk: Sdk = sdkSource === 'dist' ? await import('../dist/client/index.js' as string) : await import('../src/client/index.ts');
