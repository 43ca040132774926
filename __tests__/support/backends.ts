import * as tf from '@tensorflow/tfjs';

/**
 * The backends the property tests run on in Node: cpu and wasm always, and tensorflow
 * (tfjs-node) whenever it loads (webgl runs in headless Chromium, see webgl.test.ts). `npm test` builds tfjs-node first, and in CI (CI=true) a missing native backend
 * fails the run instead of quietly shrinking the table.
 */
function loadNative(): string | null {
  try {
    require('@tensorflow/tfjs-node');
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
}

const nativeError = loadNative();

// Registers the 'wasm' backend; its .wasm binaries load from node_modules.
require('@tensorflow/tfjs-backend-wasm');

export const BACKENDS: string[] = nativeError == null ? ['cpu', 'wasm', 'tensorflow'] : ['cpu', 'wasm'];

if (nativeError != null) {
  const message = `tfjs-node did not load (${nativeError}); run \`npm run setup\`.`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`${message} Testing on cpu only.`);
}

/** Runs `body` once per backend, inside a describe block that selects that backend. */
export function describeEachBackend(name: string, body: (backend: string) => void): void {
  for (const backend of BACKENDS) {
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        const ok = await tf.setBackend(backend);
        if (!ok) throw new Error(`backend ${backend} failed to initialise`);
        await tf.ready();
      });
      body(backend);
    });
  }
}
