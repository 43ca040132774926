import * as tf from './tf';
import * as ls from '../index';

/** tfjs-layers' Initializer (not exported by name from @tensorflow/tfjs). */
export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** An initialiser in a layer config: a `tf.initializers` name, an instance, or its serialised form. */
export type InitializerConfig = string | Initializer | {className: string; config: tf.serialization.ConfigDict};

/** `tf.initializers` factory names ('glorotUniform', 'zeros', …) → instances. */
function byName(name: string): Initializer | null {
  const factory = (tf.initializers as unknown as Record<string, ((args?: object) => Initializer) | undefined>)[name];
  return typeof factory === 'function' ? factory({}) : null;
}

/** The Initializer a config names, or an 'option' error saying what is accepted. */
export function initializerOf(layer: string, config: InitializerConfig): Initializer {
  if (typeof config === 'string') {
    const made = byName(config);
    if (made == null) {
      throw new ls.LinearSolveError('option',
        `${layer}: unknown initializer '${config}'. Use a tf.initializers name (${Object.keys(tf.initializers).join(', ')}) or instance.`);
    }
    return made;
  }
  if (config instanceof tf.serialization.Serializable) return config as Initializer;
  if (config != null && typeof (config as {className?: unknown}).className === 'string') {
    const {className, config: args} = config as {className: string; config: tf.serialization.ConfigDict};
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
    if (entry != null) {
      const [cls, fromConfig] = entry;
      return fromConfig(cls, args ?? {}) as unknown as Initializer;
    }
  }
  throw new ls.LinearSolveError('option', `${layer}: cannot read initializer ${JSON.stringify(config)}.`);
}

/** The JSON form of an initialiser config: names stay names, instances become {className, config}. */
export function serializeInitializer(config: InitializerConfig): tf.serialization.ConfigDictValue {
  if (typeof config === 'string') return config;
  if (config instanceof tf.serialization.Serializable) {
    return {className: config.getClassName(), config: config.getConfig()};
  }
  return config as tf.serialization.ConfigDictValue;
}
