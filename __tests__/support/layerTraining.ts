/**
 * What every layer test asks of a model: that `fit` lowers the loss, moves every weight and
 * leaks nothing across epochs, and that save/load (in memory, or to a URL) gives identical
 * predictions and configs. Shared by the Node tests and the WebGL page.
 */
import * as tf from '@tensorflow/tfjs';

export interface FitReport {
  lossBefore: number;
  lossAfter: number;
  /** Names of trainable weights that `fit` left exactly as they were. */
  unmoved: string[];
  /** tf.memory().numTensors at the end of each epoch. */
  tensorsAtEpochEnd: number[];
}

/** The mean of `model.evaluate`'s loss. */
export function lossOf(model: tf.LayersModel, xs: tf.Tensor | tf.Tensor[], ys: tf.Tensor): number {
  return tf.tidy(() => {
    const result = model.evaluate(xs, ys, {batchSize: 1024}) as tf.Scalar | tf.Scalar[];
    return (Array.isArray(result) ? result[0] : result).dataSync()[0];
  });
}

/** Compiles with Adam and mean squared error, fits, and reports. */
export async function fitAndReport(model: tf.LayersModel, xs: tf.Tensor | tf.Tensor[], ys: tf.Tensor,
    {epochs, batchSize, learningRate}: {epochs: number; batchSize: number; learningRate: number}): Promise<FitReport> {
  model.compile({optimizer: tf.train.adam(learningRate), loss: 'meanSquaredError'});
  const lossBefore = lossOf(model, xs, ys);
  const before = model.trainableWeights.map(w => ({name: w.name, value: w.read().dataSync().slice()}));
  const tensorsAtEpochEnd: number[] = [];
  // yieldEvery 'auto' yields to the event loop by elapsed time, and what a yield frees (the
  // batch logs' scalars) then depends on the machine's load: 'never' makes the epoch-end counts
  // deterministic, so any change between epochs is the model's own.
  await model.fit(xs, ys, {
    epochs, batchSize, shuffle: false, verbose: 0, yieldEvery: 'never',
    callbacks: {onEpochEnd: async () => { tensorsAtEpochEnd.push(tf.memory().numTensors); }},
  });
  const lossAfter = lossOf(model, xs, ys);
  expectSummaryListsWeights(model);
  const unmoved = before.filter(({name, value}) => {
    const now = model.trainableWeights.find(w => w.name === name)?.read().dataSync();
    return now == null || now.every((v, i) => v === value[i]);
  }).map(w => w.name);
  return {lossBefore, lossAfter, unmoved, tensorsAtEpochEnd};
}

/** Throws unless the fit lowered the loss by `factor`, moved every weight and leaked nothing. */
export function expectTrained(report: FitReport, factor: number): void {
  if (!(report.lossAfter < factor * report.lossBefore)) {
    throw new Error(`loss ${report.lossBefore.toExponential(3)} → ${report.lossAfter.toExponential(3)}: not below ${factor}× the start`);
  }
  if (report.unmoved.length > 0) throw new Error(`fit left weights unchanged: ${report.unmoved.join(', ')}`);
  const [first, ...rest] = report.tensorsAtEpochEnd;
  if (rest.some(t => t !== first)) throw new Error(`numTensors at epoch ends: ${report.tensorsAtEpochEnd.join(', ')} (a leak)`);
}

/** Saves into memory and loads back through tf.io.withSaveHandler / tf.io.fromMemory. */
export async function roundTripInMemory(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async artifacts => {
    saved = artifacts;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  if (saved == null) throw new Error('the save handler received nothing');
  return tf.loadLayersModel(tf.io.fromMemory(saved));
}

/** Throws unless both models predict bit-identically and their layers' configs agree. */
export function expectSameModel(original: tf.LayersModel, loaded: tf.LayersModel, xs: tf.Tensor | tf.Tensor[]): void {
  const configs = (m: tf.LayersModel) => JSON.stringify(m.layers.map(l => ({className: l.getClassName(), config: l.getConfig()})));
  if (configs(original) !== configs(loaded)) {
    throw new Error(`configs differ after loading:\n${configs(original)}\n${configs(loaded)}`);
  }
  const [a, b] = [original, loaded].map(m => tf.tidy(() => (m.predict(xs) as tf.Tensor).dataSync().slice()));
  const differ = a.findIndex((v, i) => v !== b[i]);
  if (a.length !== b.length || differ >= 0) throw new Error(`predictions differ after loading at ${differ}: ${a[differ]} vs ${b[differ]}`);
}

/** The lines `model.summary()` prints. */
export function summaryLines(model: tf.LayersModel): string[] {
  const lines: string[] = [];
  model.summary(250, undefined, (...message: unknown[]) => { lines.push(message.join(' ')); });
  return lines;
}

/** Throws unless `summary()` has a line for every layer with weights, showing its parameter count. */
export function expectSummaryListsWeights(model: tf.LayersModel): void {
  const lines = summaryLines(model);
  for (const layer of model.layers) {
    const count = layer.countParams();
    if (count === 0) continue;
    // A long name crowds out the "(type)" after it, so match the name and the count as words.
    const line = lines.find(l => l.split(/\s+/).includes(layer.name) || l.includes(`${layer.name} (`));
    if (line == null || !line.split(/\s+/).includes(String(count))) {
      throw new Error(`summary() does not list ${layer.name}'s ${count} parameters: ${line ?? '(no line)'}`);
    }
  }
}
