/**
 * Finds a headless-capable Chromium for the browser tests, demos and benchmarks, in this order:
 *
 * 1. `LINSOLVE_CHROMIUM` (a path to any Chromium or Chrome binary);
 * 2. a system browser on PATH (`chromium`, `chromium-browser`, `google-chrome`);
 * 3. the Chromium shipped inside the `@sparticuz/chromium` npm package (a dev dependency): its
 *    brotli-compressed binary and SwiftShader libraries are unpacked once into
 *    `node_modules/.cache/tfjs-linsolve-chromium/<version>/` and reused.
 *
 * So `npm install && npm test` works on a machine with no system browser and no download step:
 * the browser comes from the npm registry like every other dependency. A browser that cannot be
 * found is an error, never a skip.
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface FoundChromium {
  path: string;
  /** Where it came from: 'LINSOLVE_CHROMIUM', 'PATH' or '@sparticuz/chromium'. */
  source: string;
}

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

let found: FoundChromium | null = null;

/** The Chromium to launch; throws with what to do when there is none. */
export function findChromium(): FoundChromium {
  found ??= locate();
  return found;
}

function locate(): FoundChromium {
  const override = process.env.LINSOLVE_CHROMIUM;
  if (override != null && override !== '') {
    if (!isExecutable(override)) {
      throw new Error(`LINSOLVE_CHROMIUM=${override} is not an executable file. Point it at a Chromium ` +
        'or Chrome binary, or unset it to use a system Chromium or the one in @sparticuz/chromium.');
    }
    return {path: override, source: 'LINSOLVE_CHROMIUM'};
  }
  const system = onPath(SYSTEM_NAMES);
  if (system != null) return {path: system, source: 'PATH'};
  return {path: unpackPackaged(), source: '@sparticuz/chromium'};
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(names: string[]): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

/**
 * Unpacks @sparticuz/chromium's binary into a cache folder. The package is ESM-only and unpacks
 * into `os.tmpdir()`, so a child Node process runs it with TMPDIR set to a private staging folder,
 * which is then renamed into place: jest workers racing here never launch a half-written binary.
 */
/** node_modules/@sparticuz/chromium/package.json above this file or the working directory (its `exports` hide it from require.resolve). */
function packagedManifest(): string | null {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', '@sparticuz', 'chromium', 'package.json');
      if (fs.existsSync(candidate)) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  return null;
}

function unpackPackaged(): string {
  const packageJson = packagedManifest();
  if (packageJson == null) {
    throw new Error('No Chromium found: LINSOLVE_CHROMIUM is unset, no chromium or google-chrome is on PATH, and ' +
      'the @sparticuz/chromium dev dependency is not installed. Run `npm install` (it ships a Chromium inside ' +
      'the package), or point LINSOLVE_CHROMIUM at a Chromium or Chrome binary.' +
      (process.env.CI === 'true' ? ' CI=true: a missing browser fails the run.' : ''));
  }
  const packageDir = path.dirname(packageJson);
  const version = JSON.parse(fs.readFileSync(packageJson, 'utf8')).version as string;
  const root = path.resolve(packageDir, '..', '..', '.cache', 'tfjs-linsolve-chromium');
  const target = path.join(root, version);
  const binary = path.join(target, 'chromium');
  if (isExecutable(binary)) return binary;
  fs.mkdirSync(root, {recursive: true});
  const staging = fs.mkdtempSync(path.join(root, `${version}-staging-`));
  try {
    const script = "import c from '@sparticuz/chromium'; process.stdout.write(await c.executablePath());";
    const unpacked = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: path.resolve(packageDir, '..', '..', '..'),
      env: {...process.env, TMPDIR: staging},
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    if (path.dirname(unpacked) !== staging || !isExecutable(unpacked)) {
      throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, expected a binary in ${staging}.`);
    }
    try {
      fs.renameSync(staging, target);
    } catch (error) {
      // Another process got there first; its copy is complete (rename is atomic).
      if (!isExecutable(binary)) throw error;
    }
  } finally {
    fs.rmSync(staging, {recursive: true, force: true});
  }
  return binary;
}

if (require.main === module) {
  const {path: where, source} = findChromium();
  process.stdout.write(`${where} (${source})\n`);
}
