# netgrow_graph.node: the graph engine's native half (graph_engine.cc), built by
# scripts/build-native.sh into native/graph/build against the TensorFlow wheel's own headers
# and shared libraries (tf_dir), found at run time through an rpath to that folder or, where
# that folder is absent (the trainer image), through the tfjs binding's deps/lib beside it,
# which holds the same two libraries.
{
  'targets': [{
    'target_name': 'netgrow_graph',
    'sources': ['graph_engine.cc'],
    'include_dirs': ['<(tf_dir)/include'],
    'libraries': [
      '-Wl,-rpath,<(tf_dir)',
      '-Wl,-rpath,\$$ORIGIN/../../../../node_modules/@tensorflow/tfjs-node/deps/lib',
      '-L<(tf_dir)',
      '-l:libtensorflow_cc.so.2',
      '-l:libtensorflow_framework.so.2',
    ],
    'cflags_cc': ['-std=c++17', '-O2'],
  }],
}
