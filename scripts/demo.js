#!/usr/bin/env node
/**
 * `npm run demo`: serves the in-browser demo (examples/browser/) on http://127.0.0.1:8080/
 * (PORT=… to change), after building dist/tfjs-linsolve.min.js with scripts/build-browser.js
 * when it is missing or older than src/.
 *
 * A tiny static server on node:http, bound to 127.0.0.1 only. URLs mirror the repository's
 * layout, so index.html's relative script paths (../../dist/…, ../../node_modules/…) work both
 * here and from a clone opened over file://. Only these are served:
 *
 *   /examples/browser/*                               the page, its scripts and styles
 *   /dist/tfjs-linsolve.min.js (+ .map)               the library's browser bundle (global `tfLinsolve`)
 *   /node_modules/@tensorflow/tfjs/dist/tf.min.js (+ .map)   TensorFlow.js (global `tf`)
 *
 * Also used by __tests__/demo.test.ts: `startServer({port: 0, bundle})` with a bundle built into
 * a temporary folder.
 */
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const {buildBrowserBundle} = require('./build-browser.js');

const ROOT = path.resolve(__dirname, '..');
const PAGE_DIR = path.join(ROOT, 'examples', 'browser');
const BUNDLE = path.join(ROOT, 'dist', 'tfjs-linsolve.min.js');
const PAGE_URL = '/examples/browser/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

function tfjsFile() {
  return require.resolve('@tensorflow/tfjs/dist/tf.min.js', {paths: [ROOT]});
}

/** Newest modification time (ms) of the files the bundle is built from. */
function newestSource() {
  let newest = fs.statSync(path.join(__dirname, 'build-browser.js')).mtimeMs;
  const walk = dir => {
    for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ts$/.test(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  walk(path.join(ROOT, 'src'));
  return newest;
}

/** Builds dist/tfjs-linsolve.min.js when it is missing or older than src/; returns its path. */
async function ensureBundle({log = console.log} = {}) {
  const stale = !fs.existsSync(BUNDLE) || fs.statSync(BUNDLE).mtimeMs < newestSource();
  if (stale) {
    log(`building ${path.relative(process.cwd(), BUNDLE) || BUNDLE} (missing or older than src/) …`);
    await buildBrowserBundle(BUNDLE);
  }
  return BUNDLE;
}

/** URL path → file on disk, or null for anything outside the three served places. */
function resolveFile(urlPath, bundle) {
  const routes = {
    '/dist/tfjs-linsolve.min.js': bundle,
    '/dist/tfjs-linsolve.min.js.map': `${bundle}.map`,
    '/node_modules/@tensorflow/tfjs/dist/tf.min.js': tfjsFile(),
    '/node_modules/@tensorflow/tfjs/dist/tf.min.js.map': `${tfjsFile()}.map`,
  };
  if (Object.prototype.hasOwnProperty.call(routes, urlPath)) return routes[urlPath];
  if (!urlPath.startsWith(PAGE_URL)) return null;
  const relative = urlPath.slice(PAGE_URL.length) || 'index.html';
  const file = path.resolve(PAGE_DIR, relative);
  if (!file.startsWith(PAGE_DIR + path.sep) || relative.split('/').some(part => part.startsWith('.'))) return null;
  return file;
}

/**
 * Starts the server. Resolves to {server, url (of the page), close()}.
 * @param {{port?: number, host?: string, bundle?: string}} [options]  port 0 picks a free one
 */
function startServer({port = 8080, host = '127.0.0.1', bundle = BUNDLE} = {}) {
  const server = http.createServer((request, response) => {
    const send = (status, body, headers = {}) => {
      response.writeHead(status, {'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers});
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'method not allowed\n', {Allow: 'GET, HEAD'});
    let urlPath;
    try {
      urlPath = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    if (urlPath === '/' || urlPath === '/examples/browser') return send(302, '', {Location: PAGE_URL});
    if (urlPath === '/favicon.ico') return send(204, '');
    const file = resolveFile(urlPath, bundle);
    if (file == null) return send(404, `not found: ${urlPath}\n`);
    fs.readFile(file, (error, data) => {
      if (error) return send(404, `not found: ${urlPath}\n`);
      send(200, data, {'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream'});
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        server,
        url: `http://${host}:${address.port}${PAGE_URL}`,
        close: () => new Promise(done => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

module.exports = {startServer, ensureBundle, resolveFile, PAGE_URL};

if (require.main === module) {
  const port = process.env.PORT == null || process.env.PORT === '' ? 8080 : Number(process.env.PORT);
  ensureBundle()
    .then(bundle => startServer({port, bundle}))
    .then(({url}) => {
      console.log(`tfjs-linsolve demo: ${url}`);
      console.log('(serving examples/browser/, dist/tfjs-linsolve.min.js and tf.min.js on 127.0.0.1; Ctrl+C to stop)');
    })
    .catch(error => {
      if (error && error.code === 'EADDRINUSE') console.error(`port ${port} is in use; try PORT=8081 npm run demo`);
      else console.error(error && error.message ? error.message : error);
      process.exit(1);
    });
}
