/**
 * The one import point of TensorFlow.js inside netgrow. tfjs-core and tfjs-layers must share
 * one engine instance; importing them from here keeps it that way. The backend itself is
 * chosen by src/backend (tensorflow > wasm > cpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// tfjs-core alone does not attach the chained ops (x.sum(), x.mul(...)) that layers code uses.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
// The pure-JS backend is always there as the last fallback (and the reference in tests).
import '@tensorflow/tfjs-backend-cpu';

// netgrow logs its own backend choice; tfjs's "install tfjs-node" banner would only confuse.
tf.env().set('PROD', true);

export { tf, tfl };
