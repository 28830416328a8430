// What the TensorFlow that tfjs-node runs on really is: its version, whether its oneDNN
// kernels are on, the intra-op thread pool size, and the devices an eager context sees (the
// tfjs binding places every op on the first GPU, else on the CPU). tfjs-node exposes only the
// version, so netgrow compiles this beside the binding (scripts/build-native.sh) and logs it.
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include "tensorflow/c/c_api.h"
#include "tensorflow/c/eager/c_api.h"

// Exported by libtensorflow_framework but declared in headers that drag in half of TF.
namespace tensorflow {
bool IsMKLEnabled();                        // core/util/util.h: oneDNN ops, TF_ENABLE_ONEDNN_OPTS
int32_t NumIntraOpThreadsFromEnvironment();  // common_runtime/process_util.h: TF_NUM_INTRAOP_THREADS
}  // namespace tensorflow
namespace tsl {
namespace port {
int MaxParallelism();  // the intra-op pool size when the environment does not set one
}
}  // namespace tsl

static napi_value Str(napi_env env, const char* s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value Num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

static napi_value Describe(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "version", Str(env, TF_Version()));
  napi_value onednn;
  napi_get_boolean(env, tensorflow::IsMKLEnabled(), &onednn);
  napi_set_named_property(env, out, "onednn", onednn);
  int threads = tensorflow::NumIntraOpThreadsFromEnvironment();
  napi_set_named_property(env, out, "intraOpThreads", Num(env, threads > 0 ? threads : tsl::port::MaxParallelism()));

  TF_Status* status = TF_NewStatus();
  TFE_ContextOptions* opts = TFE_NewContextOptions();
  TFE_Context* ctx = TFE_NewContext(opts, status);
  TFE_DeleteContextOptions(opts);
  if (TF_GetCode(status) != TF_OK) {
    napi_throw_error(env, nullptr, TF_Message(status));
    TF_DeleteStatus(status);
    return nullptr;
  }
  TF_DeviceList* list = TFE_ContextListDevices(ctx, status);
  napi_value devices;
  napi_create_array(env, &devices);
  int n = TF_GetCode(status) == TF_OK ? TF_DeviceListCount(list) : 0;
  for (int i = 0; i < n; i++) {
    napi_value d;
    napi_create_object(env, &d);
    napi_set_named_property(env, d, "name", Str(env, TF_DeviceListName(list, i, status)));
    napi_set_named_property(env, d, "type", Str(env, TF_DeviceListType(list, i, status)));
    napi_set_named_property(env, d, "memoryBytes", Num(env, (double)TF_DeviceListMemoryBytes(list, i, status)));
    napi_set_element(env, devices, i, d);
  }
  napi_set_named_property(env, out, "devices", devices);
  if (list) TF_DeleteDeviceList(list);
  TFE_DeleteContext(ctx);
  TF_DeleteStatus(status);
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "describe", NAPI_AUTO_LENGTH, Describe, nullptr, &fn);
  napi_set_named_property(env, exports, "describe", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
