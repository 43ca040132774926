/**
 * The gradients of tfjs-core's ops, registered once. tfjs-core registers none by itself
 * (tfjs-layers does, by importing `@tensorflow/tfjs-core/dist/register_all_gradients`), and
 * solves differentiate through the ops A and `matvec` are built from, so an app on
 * tfjs-core alone (no tfjs-layers) needs them registered by us.
 *
 * That file is an ES module with extensionless imports, which Node cannot load; so this
 * module is empty in the sources (tests, ts-node scripts and examples load
 * `@tensorflow/tfjs`, whose tfjs-layers registers the gradients), and the package builds
 * replace it, as tfjs-layers' own builds do: the ES-module bundle imports
 * `@tensorflow/tfjs-core/dist/register_all_gradients` (resolved by the app's bundler against
 * the app's tfjs-core), the CommonJS build inlines it (scripts/build-gradients.js), and the
 * script-tag bundle leaves it to the page's tf.min.js. Registering twice is harmless: the
 * registry keeps one function per kernel.
 */
export {};
