/**
 * The TensorFlow.js the layers are written against: tfjs-core's ops and tfjs-layers' Layer,
 * initializers and model builders under one `tf` namespace, as `@tensorflow/tfjs` offers
 * them, without tfjs-converter and tfjs-data. Only this entry (tfjs-linsolve/layers) needs
 * tfjs-layers; the rest of the library imports tfjs-core alone.
 */
export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
