// netgrow's graph engine: the thin native half. TypeScript builds every op (as GraphDef
// bytes); this addon only does what JavaScript cannot: import a GraphDef into a TF_Graph,
// add symbolic gradients (TF_AddGradients), hand the graph back as GraphDef bytes and rewire
// one input of an op (TypeScript decides which), open a session with thread settings, and run
// it off the main thread. Variables are read and written through runs of the graph's own
// ReadVariableOp / AssignVariableOp nodes. Tensors are named "op:index".
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tensorflow/c/c_api.h"

namespace {

#define CHECK_NAPI(call)                                        \
  do {                                                          \
    if ((call) != napi_ok) {                                    \
      napi_throw_error(env, nullptr, "graph engine: " #call);   \
      return nullptr;                                           \
    }                                                           \
  } while (0)

struct Graph {
  TF_Graph* g = TF_NewGraph();
  int refs = 1;  // the JS object + every session on it
};
void Unref(Graph* g) {
  if (--g->refs == 0) {
    TF_DeleteGraph(g->g);
    delete g;
  }
}

struct Session {
  TF_Session* s = nullptr;
  Graph* graph = nullptr;
  int running = 0;
  bool closed = false;
};
void CloseSession(Session* s) {
  if (s->closed) return;
  s->closed = true;
  TF_Status* st = TF_NewStatus();
  TF_CloseSession(s->s, st);
  TF_DeleteSession(s->s, st);
  TF_DeleteStatus(st);
  Unref(s->graph);
}

napi_value Throw(napi_env env, const std::string& msg) {
  napi_throw_error(env, nullptr, msg.c_str());
  return nullptr;
}

bool GetString(napi_env env, napi_value v, std::string* out) {
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &n) != napi_ok) return false;
  out->resize(n);
  return napi_get_value_string_utf8(env, v, out->data(), n + 1, &n) == napi_ok;
}

bool GetStrings(napi_env env, napi_value arr, std::vector<std::string>* out) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return false;
  out->resize(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    if (napi_get_element(env, arr, i, &e) != napi_ok || !GetString(env, e, &(*out)[i])) return false;
  }
  return true;
}

template <typename T>
T* Unwrap(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok) return nullptr;
  return static_cast<T*>(p);
}

// "op:index" (or "op", index 0) → the op's name and the index; false when the index is not a number.
bool SplitName(const std::string& name, std::string* op, int* index) {
  size_t colon = name.rfind(':');
  *op = colon == std::string::npos ? name : name.substr(0, colon);
  *index = 0;
  if (colon == std::string::npos) return true;
  if (colon + 1 == name.size() || name.size() - colon > 6) return false;
  for (size_t i = colon + 1; i < name.size(); i++) {
    if (name[i] < '0' || name[i] > '9') return false;
    *index = *index * 10 + (name[i] - '0');
  }
  return true;
}

// "op:index" → an output of the graph.
bool Resolve(TF_Graph* g, const std::string& name, TF_Output* out, std::string* err) {
  std::string op;
  int index;
  if (!SplitName(name, &op, &index)) {
    *err = "graph engine: '" + name + "' is not a tensor name (op:index)";
    return false;
  }
  TF_Operation* o = TF_GraphOperationByName(g, op.c_str());
  if (!o) {
    *err = "graph engine: no operation '" + op + "' in the graph";
    return false;
  }
  if (index >= TF_OperationNumOutputs(o)) {
    *err = "graph engine: operation '" + op + "' has no output " + std::to_string(index);
    return false;
  }
  *out = {o, index};
  return true;
}

std::string NameOf(TF_Output o) { return std::string(TF_OperationName(o.oper)) + ":" + std::to_string(o.index); }

// new Graph() → external
napi_value NewGraph(napi_env env, napi_callback_info) {
  napi_value out;
  CHECK_NAPI(napi_create_external(env, new Graph(), [](napi_env, void* p, void*) { Unref(static_cast<Graph*>(p)); },
                                  nullptr, &out));
  return out;
}

// importGraphDef(graph, bytes, inputMap: [from, to][]) — `from` tensors of the GraphDef
// (placeholders standing for tensors the graph already has) are wired to `to`.
napi_value ImportGraphDef(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Graph* g = Unwrap<Graph>(env, argv[0]);
  if (!g) return Throw(env, "graph engine: importGraphDef needs a graph");
  void* data = nullptr;
  size_t len = 0;
  napi_typedarray_type tt;
  napi_value ab;
  size_t off;
  CHECK_NAPI(napi_get_typedarray_info(env, argv[1], &tt, &len, &data, &ab, &off));
  std::vector<std::string> from, to;
  uint32_t nmap = 0;
  CHECK_NAPI(napi_get_array_length(env, argv[2], &nmap));
  for (uint32_t i = 0; i < nmap; i++) {
    napi_value pair, a, b;
    CHECK_NAPI(napi_get_element(env, argv[2], i, &pair));
    CHECK_NAPI(napi_get_element(env, pair, 0, &a));
    CHECK_NAPI(napi_get_element(env, pair, 1, &b));
    from.emplace_back();
    to.emplace_back();
    if (!GetString(env, a, &from.back()) || !GetString(env, b, &to.back()))
      return Throw(env, "graph engine: an input mapping is not a pair of strings");
  }
  TF_ImportGraphDefOptions* opts = TF_NewImportGraphDefOptions();
  std::string err;
  for (uint32_t i = 0; i < nmap; i++) {
    TF_Output target;
    if (!Resolve(g->g, to[i], &target, &err)) {
      TF_DeleteImportGraphDefOptions(opts);
      return Throw(env, err);
    }
    std::string op;
    int index;
    if (!SplitName(from[i], &op, &index)) {
      TF_DeleteImportGraphDefOptions(opts);
      return Throw(env, "graph engine: '" + from[i] + "' is not a tensor name (op:index)");
    }
    TF_ImportGraphDefOptionsAddInputMapping(opts, op.c_str(), index, target);
  }
  TF_Buffer* buf = TF_NewBufferFromString(data, len);
  TF_Status* st = TF_NewStatus();
  TF_GraphImportGraphDef(g->g, buf, opts, st);
  TF_DeleteBuffer(buf);
  TF_DeleteImportGraphDefOptions(opts);
  bool ok = TF_GetCode(st) == TF_OK;
  err = ok ? "" : std::string("graph engine: GraphDef import: ") + TF_Message(st);
  TF_DeleteStatus(st);
  if (!ok) return Throw(env, err);
  return nullptr;
}

// addGradients(graph, prefix, ys, xs, dys|null) → names of d(sum ys·dys)/d xs
napi_value AddGradients(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Graph* g = Unwrap<Graph>(env, argv[0]);
  if (!g) return Throw(env, "graph engine: addGradients needs a graph");
  std::string prefix;
  std::vector<std::string> ys, xs, dys;
  if (!GetString(env, argv[1], &prefix) || !GetStrings(env, argv[2], &ys) || !GetStrings(env, argv[3], &xs))
    return Throw(env, "graph engine: addGradients(graph, prefix, ys, xs, dys) takes strings");
  napi_valuetype t;
  CHECK_NAPI(napi_typeof(env, argv[4], &t));
  if (t != napi_null && (!GetStrings(env, argv[4], &dys) || dys.size() != ys.size()))
    return Throw(env, "graph engine: addGradients needs one dy per y");
  std::vector<TF_Output> y(ys.size()), x(xs.size()), dy(dys.size()), dx(xs.size());
  std::string err;
  for (size_t i = 0; i < ys.size(); i++)
    if (!Resolve(g->g, ys[i], &y[i], &err)) return Throw(env, err);
  for (size_t i = 0; i < xs.size(); i++)
    if (!Resolve(g->g, xs[i], &x[i], &err)) return Throw(env, err);
  for (size_t i = 0; i < dys.size(); i++)
    if (!Resolve(g->g, dys[i], &dy[i], &err)) return Throw(env, err);
  TF_Status* st = TF_NewStatus();
  TF_AddGradientsWithPrefix(g->g, prefix.c_str(), y.data(), (int)y.size(), x.data(), (int)x.size(),
                            dys.empty() ? nullptr : dy.data(), st, dx.data());
  bool ok = TF_GetCode(st) == TF_OK;
  err = ok ? "" : std::string("graph engine: gradients: ") + TF_Message(st);
  TF_DeleteStatus(st);
  if (!ok) return Throw(env, err);
  napi_value out;
  CHECK_NAPI(napi_create_array_with_length(env, dx.size(), &out));
  for (size_t i = 0; i < dx.size(); i++) {
    napi_value s;
    // A variable the ys do not depend on has no gradient: null.
    if (dx[i].oper == nullptr) {
      CHECK_NAPI(napi_get_null(env, &s));
    } else {
      std::string n = NameOf(dx[i]);
      CHECK_NAPI(napi_create_string_utf8(env, n.c_str(), n.size(), &s));
    }
    CHECK_NAPI(napi_set_element(env, out, i, s));
  }
  return out;
}

// graphDef(graph) → the graph as GraphDef bytes (TypeScript reads the ops the gradients added).
napi_value GraphDefJs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Graph* g = Unwrap<Graph>(env, argv[0]);
  if (!g) return Throw(env, "graph engine: graphDef needs a graph");
  TF_Buffer* buf = TF_NewBuffer();
  TF_Status* st = TF_NewStatus();
  TF_GraphToGraphDef(g->g, buf, st);
  bool ok = TF_GetCode(st) == TF_OK;
  std::string err = ok ? "" : std::string("graph engine: graphDef: ") + TF_Message(st);
  TF_DeleteStatus(st);
  if (!ok) {
    TF_DeleteBuffer(buf);
    return Throw(env, err);
  }
  napi_value ab, out;
  void* data = nullptr;
  if (napi_create_arraybuffer(env, buf->length, &data, &ab) != napi_ok) {
    TF_DeleteBuffer(buf);
    return Throw(env, "graph engine: graphDef: no memory for the bytes");
  }
  std::memcpy(data, buf->data, buf->length);
  size_t len = buf->length;
  TF_DeleteBuffer(buf);
  CHECK_NAPI(napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &out));
  return out;
}

// rewire(graph, op, inputIndex, tensor) — input `inputIndex` of `op` reads `tensor` instead.
napi_value Rewire(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Graph* g = Unwrap<Graph>(env, argv[0]);
  if (!g) return Throw(env, "graph engine: rewire needs a graph");
  std::string opName, tensor, err;
  int32_t index = 0;
  if (!GetString(env, argv[1], &opName) || napi_get_value_int32(env, argv[2], &index) != napi_ok ||
      !GetString(env, argv[3], &tensor))
    return Throw(env, "graph engine: rewire(graph, op, inputIndex, tensor) takes a string, a number, a string");
  TF_Operation* op = TF_GraphOperationByName(g->g, opName.c_str());
  if (!op) return Throw(env, "graph engine: no operation '" + opName + "' in the graph");
  if (index < 0 || index >= TF_OperationNumInputs(op))
    return Throw(env, "graph engine: operation '" + opName + "' has no input " + std::to_string(index));
  TF_Output src;
  if (!Resolve(g->g, tensor, &src, &err)) return Throw(env, err);
  TF_Status* st = TF_NewStatus();
  TF_UpdateEdge(g->g, src, TF_Input{op, index}, st);
  bool ok = TF_GetCode(st) == TF_OK;
  err = ok ? "" : std::string("graph engine: rewire: ") + TF_Message(st);
  TF_DeleteStatus(st);
  if (!ok) return Throw(env, err);
  return nullptr;
}

void PutVarint(std::string* b, uint64_t v) {
  while (v >= 0x80) {
    b->push_back((char)(v | 0x80));
    v >>= 7;
  }
  b->push_back((char)v);
}

// newSession(graph, intraOpThreads, interOpThreads) → external
napi_value NewSession(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Graph* g = Unwrap<Graph>(env, argv[0]);
  if (!g) return Throw(env, "graph engine: newSession needs a graph");
  int32_t intra = 0, inter = 0;
  CHECK_NAPI(napi_get_value_int32(env, argv[1], &intra));
  CHECK_NAPI(napi_get_value_int32(env, argv[2], &inter));
  // ConfigProto: field 2 intra_op_parallelism_threads, field 5 inter_op_parallelism_threads.
  std::string cfg;
  cfg.push_back(0x10);
  PutVarint(&cfg, (uint64_t)intra);
  cfg.push_back(0x28);
  PutVarint(&cfg, (uint64_t)inter);
  TF_Status* st = TF_NewStatus();
  TF_SessionOptions* so = TF_NewSessionOptions();
  TF_SetConfig(so, cfg.data(), cfg.size(), st);
  TF_Session* s = TF_GetCode(st) == TF_OK ? TF_NewSession(g->g, so, st) : nullptr;
  TF_DeleteSessionOptions(so);
  std::string err = TF_GetCode(st) == TF_OK ? "" : std::string("graph engine: session: ") + TF_Message(st);
  TF_DeleteStatus(st);
  if (!s) return Throw(env, err);
  Session* sess = new Session();
  sess->s = s;
  sess->graph = g;
  g->refs++;
  napi_value out;
  CHECK_NAPI(napi_create_external(
      env, sess,
      [](napi_env, void* p, void*) {
        Session* s = static_cast<Session*>(p);
        CloseSession(s);
        delete s;
      },
      nullptr, &out));
  return out;
}

// closeSession(session): frees TensorFlow's memory now rather than at garbage collection.
napi_value CloseSessionJs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Session* s = Unwrap<Session>(env, argv[0]);
  if (!s) return Throw(env, "graph engine: closeSession needs a session");
  if (s->running > 0) return Throw(env, "graph engine: the session is closed while a run is in flight");
  CloseSession(s);
  return nullptr;
}

size_t DtypeSize(TF_DataType t) { return t == TF_BOOL ? 1 : 4; }

// A run: feeds copied in on the main thread, TF_SessionRun on a worker thread, fetches
// copied out into fresh typed arrays on the main thread.
struct Run {
  Session* sess;
  std::vector<TF_Output> feeds, fetches;
  std::vector<TF_Tensor*> inputs, outputs;
  std::vector<TF_Operation*> targets;
  TF_Status* st = TF_NewStatus();
  napi_deferred deferred;
  napi_async_work work;
};

void Execute(napi_env, void* p) {
  Run* r = static_cast<Run*>(p);
  r->outputs.assign(r->fetches.size(), nullptr);
  TF_SessionRun(r->sess->s, nullptr, r->feeds.data(), r->inputs.data(), (int)r->feeds.size(), r->fetches.data(),
                r->outputs.data(), (int)r->fetches.size(), r->targets.data(), (int)r->targets.size(), nullptr, r->st);
}

napi_value TensorToJs(napi_env env, TF_Tensor* t) {
  TF_DataType dt = TF_TensorType(t);
  int nd = TF_NumDims(t);
  napi_value obj, shape, arr, ab;
  napi_create_object(env, &obj);
  napi_create_array_with_length(env, nd, &shape);
  int64_t count = 1;
  for (int i = 0; i < nd; i++) {
    napi_value d;
    napi_create_int64(env, TF_Dim(t, i), &d);
    napi_set_element(env, shape, i, d);
    count *= TF_Dim(t, i);
  }
  void* dst = nullptr;
  size_t bytes = TF_TensorByteSize(t);
  napi_create_arraybuffer(env, bytes, &dst, &ab);
  std::memcpy(dst, TF_TensorData(t), bytes);
  napi_typedarray_type tt = dt == TF_INT32 ? napi_int32_array : dt == TF_BOOL ? napi_uint8_array : napi_float32_array;
  napi_create_typedarray(env, tt, (size_t)count, ab, 0, &arr);
  const char* name = dt == TF_INT32 ? "int32" : dt == TF_BOOL ? "bool" : "float32";
  napi_value dtype;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &dtype);
  napi_set_named_property(env, obj, "dtype", dtype);
  napi_set_named_property(env, obj, "shape", shape);
  napi_set_named_property(env, obj, "data", arr);
  return obj;
}

void Complete(napi_env env, napi_status, void* p) {
  Run* r = static_cast<Run*>(p);
  r->sess->running--;
  for (TF_Tensor* t : r->inputs) TF_DeleteTensor(t);
  if (TF_GetCode(r->st) != TF_OK) {
    napi_value msg, err;
    std::string m = std::string("graph engine: run: ") + TF_Message(r->st);
    napi_create_string_utf8(env, m.c_str(), m.size(), &msg);
    napi_create_error(env, nullptr, msg, &err);
    napi_reject_deferred(env, r->deferred, err);
  } else {
    bool unsupported = false;
    napi_value out;
    napi_create_array_with_length(env, r->outputs.size(), &out);
    for (size_t i = 0; i < r->outputs.size(); i++) {
      TF_DataType dt = TF_TensorType(r->outputs[i]);
      if (dt != TF_FLOAT && dt != TF_INT32 && dt != TF_BOOL) unsupported = true;
      else napi_set_element(env, out, i, TensorToJs(env, r->outputs[i]));
    }
    if (unsupported) {
      napi_value msg, err;
      napi_create_string_utf8(env, "graph engine: run: a fetch is neither float32, int32 nor bool",
                              NAPI_AUTO_LENGTH, &msg);
      napi_create_error(env, nullptr, msg, &err);
      napi_reject_deferred(env, r->deferred, err);
    } else {
      napi_resolve_deferred(env, r->deferred, out);
    }
  }
  for (TF_Tensor* t : r->outputs)
    if (t) TF_DeleteTensor(t);
  TF_DeleteStatus(r->st);
  napi_delete_async_work(env, r->work);
  delete r;
}

// run(session, feeds: {name, dtype, shape, data}[], fetches: string[], targets: string[])
//   → Promise<{dtype, shape, data}[]>
napi_value RunJs(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Session* s = Unwrap<Session>(env, argv[0]);
  if (!s || s->closed) return Throw(env, "graph engine: run needs an open session");
  TF_Graph* g = s->graph->g;
  Run* r = new Run();
  r->sess = s;
  auto fail = [&](const std::string& m) {
    for (TF_Tensor* t : r->inputs) TF_DeleteTensor(t);
    TF_DeleteStatus(r->st);
    delete r;
    return Throw(env, m);
  };
  std::string err;
  uint32_t nfeeds = 0;
  CHECK_NAPI(napi_get_array_length(env, argv[1], &nfeeds));
  for (uint32_t i = 0; i < nfeeds; i++) {
    napi_value f, name, dtype, shape, data;
    napi_get_element(env, argv[1], i, &f);
    napi_get_named_property(env, f, "name", &name);
    napi_get_named_property(env, f, "dtype", &dtype);
    napi_get_named_property(env, f, "shape", &shape);
    napi_get_named_property(env, f, "data", &data);
    std::string n, dt;
    if (!GetString(env, name, &n) || !GetString(env, dtype, &dt)) return fail("graph engine: a feed lacks name or dtype");
    TF_Output o;
    if (!Resolve(g, n, &o, &err)) return fail(err);
    TF_DataType t = dt == "int32" ? TF_INT32 : dt == "float32" ? TF_FLOAT : dt == "bool" ? TF_BOOL : TF_RESOURCE;
    if (t == TF_RESOURCE) return fail("graph engine: feed '" + n + "' has dtype '" + dt + "'");
    uint32_t nd = 0;
    napi_get_array_length(env, shape, &nd);
    std::vector<int64_t> dims(nd);
    int64_t count = 1;
    for (uint32_t k = 0; k < nd; k++) {
      napi_value d;
      napi_get_element(env, shape, k, &d);
      napi_get_value_int64(env, d, &dims[k]);
      count *= dims[k];
    }
    void* src = nullptr;
    size_t len = 0;
    napi_typedarray_type tt;
    napi_value ab;
    size_t off;
    if (napi_get_typedarray_info(env, data, &tt, &len, &src, &ab, &off) != napi_ok)
      return fail("graph engine: feed '" + n + "' has no typed array");
    if ((int64_t)len != count) return fail("graph engine: feed '" + n + "' holds " + std::to_string(len) +
                                           " values, its shape " + std::to_string(count));
    size_t bytes = (size_t)count * DtypeSize(t);
    TF_Tensor* tensor = TF_AllocateTensor(t, dims.data(), (int)nd, bytes);
    std::memcpy(TF_TensorData(tensor), src, bytes);
    r->feeds.push_back(o);
    r->inputs.push_back(tensor);
  }
  std::vector<std::string> fetches, targets;
  if (!GetStrings(env, argv[2], &fetches) || !GetStrings(env, argv[3], &targets))
    return fail("graph engine: fetches and targets are lists of names");
  for (const auto& n : fetches) {
    TF_Output o;
    if (!Resolve(g, n, &o, &err)) return fail(err);
    r->fetches.push_back(o);
  }
  for (const auto& n : targets) {
    TF_Operation* op = TF_GraphOperationByName(g, n.c_str());
    if (!op) return fail("graph engine: no operation '" + n + "' in the graph");
    r->targets.push_back(op);
  }
  napi_value promise, resource;
  CHECK_NAPI(napi_create_promise(env, &r->deferred, &promise));
  CHECK_NAPI(napi_create_string_utf8(env, "netgrow.graph.run", NAPI_AUTO_LENGTH, &resource));
  CHECK_NAPI(napi_create_async_work(env, nullptr, resource, Execute, Complete, r, &r->work));
  s->running++;
  CHECK_NAPI(napi_queue_async_work(env, r->work));
  return promise;
}

napi_value Version(napi_env env, napi_callback_info) {
  napi_value v;
  CHECK_NAPI(napi_create_string_utf8(env, TF_Version(), NAPI_AUTO_LENGTH, &v));
  return v;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"newGraph", nullptr, NewGraph, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"importGraphDef", nullptr, ImportGraphDef, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addGradients", nullptr, AddGradients, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"graphDef", nullptr, GraphDefJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rewire", nullptr, Rewire, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"newSession", nullptr, NewSession, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"closeSession", nullptr, CloseSessionJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"run", nullptr, RunJs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
