/**
 * Builds what the WebGL page loads: the library's browser bundle (by scripts/build-browser.js,
 * the same function `npm run build` uses) and the test bundle (entry.ts), in which
 * `@tensorflow/tfjs` is the global `tf` and the library is the global `tfLinsolve`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

interface BuildScript {
  buildBrowserBundle(outfile: string, options?: {minify?: boolean}): Promise<string>;
  tfGlobalPlugin: esbuild.Plugin;
  GLOBAL_NAME: string;
}
// A plain .js script (no typings): typed here.
const buildScript = require('../../scripts/build-browser.js') as BuildScript;

/** Imports of the library's root from test code → the global the library bundle defines. */
const libraryGlobalPlugin: esbuild.Plugin = {
  name: 'tfLinsolve-global',
  setup(build) {
    build.onResolve({filter: /^\./}, args => {
      const target = path.resolve(args.resolveDir, args.path).replace(/(\/index)?(\.ts)?$/, '');
      if (target === SRC) return {path: 'tfjs-linsolve', namespace: 'tfLinsolve-global'};
      // The layers and extension entries are namespaces of the same global.
      if (target === path.join(SRC, 'layers')) return {path: 'layers', namespace: 'tfLinsolve-global'};
      if (target === path.join(SRC, 'extend')) return {path: 'extend', namespace: 'tfLinsolve-global'};
      if (target.startsWith(SRC + path.sep)) {
        return {errors: [{text: `${args.importer} imports library internals (${args.path}); ` +
          'test code must import the package root (../../src) or its layers and extend entries, which the browser bundle provides'}]};
      }
      return undefined;
    });
    build.onLoad({filter: /.*/, namespace: 'tfLinsolve-global'}, args => ({
      loader: 'js',
      contents: `if (typeof globalThis.${buildScript.GLOBAL_NAME} === 'undefined') ` +
        `throw new Error('the global ${buildScript.GLOBAL_NAME} is missing: load tfjs-linsolve.min.js first');\n` +
        `module.exports = globalThis.${buildScript.GLOBAL_NAME}${args.path === 'tfjs-linsolve' ? '' : `.${args.path}`};`,
    }));
  },
};

export interface PageScripts {
  dir: string;
  tfjs: string;
  library: string;
  tests: string;
  /** tfjs-backend-webgpu's browser bundle, loaded after tf.min.js in a WebGPU page. */
  webgpu: string;
}

/**
 * Builds both bundles into a fresh temporary folder (never a stale dist/). `minify: false`
 * (LINSOLVE_WEBGL_DEBUG=1) gives readable stacks in failures.
 */
export async function buildPageScripts(minify = true): Promise<PageScripts> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-webgl-'));
  const library = await buildScript.buildBrowserBundle(path.join(dir, 'tfjs-linsolve.min.js'), {minify});
  const tests = path.join(dir, 'webgl-checks.js');
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(__dirname, 'entry.ts')],
    outfile: tests,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2019',
    logLevel: 'warning',
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    plugins: [buildScript.tfGlobalPlugin, libraryGlobalPlugin],
  });
  const tfjs = require.resolve('@tensorflow/tfjs/dist/tf.min.js', {paths: [ROOT]});
  const webgpu = require.resolve('@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js', {paths: [ROOT]});
  return {dir, tfjs, library, tests, webgpu};
}
