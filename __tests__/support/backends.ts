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

/**
 * The backends a run covers: all of `BACKENDS`, or those named in LINSOLVE_BACKENDS
 * (comma-separated, e.g. `LINSOLVE_BACKENDS=cpu,wasm npx jest`), to narrow a run by hand.
 */
function selected(): string[] {
  const only = process.env.LINSOLVE_BACKENDS?.split(',').map(s => s.trim()).filter(s => s !== '');
  return only == null || only.length === 0 ? BACKENDS : BACKENDS.filter(b => only.includes(b));
}

/**
 * Runs `body` once per backend, inside a describe block that selects that backend;
 * `{backends}` restricts a suite to some of them (a suite about one backend's kernel).
 */
export function describeEachBackend(name: string, body: (backend: string) => void,
    {backends}: {backends?: string[]} = {}): void {
  for (const backend of selected().filter(b => backends == null || backends.includes(b))) {
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
