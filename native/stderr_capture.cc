// libtensorflow logs its oneDNN banner from a static initializer, before anything can lower
// absl's log level, and TF_CPP_MIN_LOG_LEVEL does not reach that line (TF 2.21; Python prints
// it too). netgrow loads TensorFlow with file descriptor 2 pointed at a temporary file, then
// replays what TF_CPP_MIN_LOG_LEVEL lets through (src/backend/native.ts). No TensorFlow here:
// this addon must load before the library does.
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string>
#include <unistd.h>

static napi_value Int(napi_env env, int i) {
  napi_value v;
  napi_create_int32(env, i, &v);
  return v;
}

// An unlinked temporary file in TMPDIR, else /tmp; -1 when neither is writable. TMPDIR first:
// a trainer pod's root filesystem is read-only, and its TMPDIR is the scratch volume.
static int TempFile() {
  const char* dirs[] = {getenv("TMPDIR"), "/tmp"};
  for (const char* dir : dirs) {
    if (!dir || !*dir) continue;
    std::string path = std::string(dir) + "/netgrow-stderr-XXXXXX";
    int file = mkstemp(&path[0]);
    if (file < 0) continue;
    unlink(path.c_str());
    return file;
  }
  return -1;
}

// begin() -> [saved stderr, capture file], or throws.
static napi_value Begin(napi_env env, napi_callback_info) {
  int file = TempFile();
  if (file < 0) {
    napi_throw_error(env, nullptr,
                     "could not create a temporary file for TensorFlow's start-up log in $TMPDIR or /tmp");
    return nullptr;
  }
  fflush(stderr);
  int saved = dup(2);
  dup2(file, 2);
  napi_value out;
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, Int(env, saved));
  napi_set_element(env, out, 1, Int(env, file));
  return out;
}

// end(saved, file) -> everything written to stderr since begin().
static napi_value End(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int saved = -1, file = -1;
  napi_get_value_int32(env, argv[0], &saved);
  napi_get_value_int32(env, argv[1], &file);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::string text;
  char buf[4096];
  lseek(file, 0, SEEK_SET);
  for (ssize_t n; (n = read(file, buf, sizeof buf)) > 0;) text.append(buf, n);
  close(file);
  napi_value out;
  napi_create_string_utf8(env, text.data(), text.size(), &out);
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "begin", NAPI_AUTO_LENGTH, Begin, nullptr, &fn);
  napi_set_named_property(env, exports, "begin", fn);
  napi_create_function(env, "end", NAPI_AUTO_LENGTH, End, nullptr, &fn);
  napi_set_named_property(env, exports, "end", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
