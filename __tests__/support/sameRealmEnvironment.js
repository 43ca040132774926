/**
 * jest's node environment with the host realm's typed arrays. tfjs-node's native binding makes
 * its Float32Arrays in the host realm, so inside jest's sandbox `data instanceof Float32Array`
 * is false and tfjs-core's weight encoding (model.save) throws "Unsupported TypedArray
 * subtype". Plain Node has one realm and never sees this; tests that save models with weights
 * on tfjs-node use this environment (docblock `@jest-environment`).
 */
const {TestEnvironment} = require('jest-environment-node');

const SHARED = ['ArrayBuffer', 'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array',
  'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array'];

class SameRealmEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SameRealmEnvironment;
