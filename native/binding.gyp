# netgrow_tf_info.node and netgrow_stderr.node, built by scripts/build-native.sh beside
# tfjs-node's own binding (lib/napi-v8), so that the same rpath finds the same TensorFlow
# libraries in its deps/lib.
{
  'targets': [{
    'target_name': 'netgrow_tf_info',
    'sources': ['tf_info.cc'],
    'include_dirs': ['<(tfjs_node_dir)/deps/include'],
    'libraries': [
      '-Wl,-rpath,\$$ORIGIN/../../deps/lib',
      '-ltensorflow',
      '-ltensorflow_framework',
    ],
    'library_dirs': ['<(tfjs_node_dir)/deps/lib'],
    'cflags_cc': ['-std=c++17'],
  }, {
    'target_name': 'netgrow_stderr',
    'sources': ['stderr_capture.cc'],
  }, {
    'target_name': 'copy_to_tfjs_node',
    'type': 'none',
    'dependencies': ['netgrow_tf_info', 'netgrow_stderr'],
    'copies': [{
      'files': ['<(PRODUCT_DIR)/netgrow_tf_info.node', '<(PRODUCT_DIR)/netgrow_stderr.node'],
      'destination': '<(module_path)',
    }],
  }],
}
