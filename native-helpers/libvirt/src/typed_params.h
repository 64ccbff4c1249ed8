// virTypedParameter <-> JS conversion, both ways, for every libvirt parameter type.
//
// libvirt passes open-ended key/value sets as arrays of virTypedParameter (bulk stats, migration, job
// stats, scheduler/memory/block tunables). The two directions cross threads differently:
// - out of libvirt (worker thread): CopyTypedParams copies the array into a TypedParamList (plain C++
//   values, safe to hand to the JS thread); TypedParamsToObject then builds `{ field: value }` in JS.
// - into libvirt (JS thread): TypedParams::FromObject checks and converts a JS object *before* any work is
//   queued (bad input is a TypeError), into an array libvirt allocated; the worker passes it to the call.
//
// JS numbers are doubles: ullong/llong values above 2^53 lose precision, which is acceptable for counters
// and sizes (and what every consumer of these stats does anyway).
#pragma once
#include <napi.h>

#include <libvirt/libvirt.h>

#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace tandem {

// One parameter, copied out of libvirt's memory.
struct TypedParam {
  std::string field;
  std::variant<int, unsigned int, long long, unsigned long long, double, bool, std::string> value;
};
using TypedParamList = std::vector<TypedParam>;

// Copies `n` parameters (worker thread; the caller still owns and frees `params`).
TypedParamList CopyTypedParams(const virTypedParameter* params, int n);

// `{ field: number | string | boolean }`. A field libvirt repeats (e.g. string lists) becomes an array.
Napi::Object TypedParamsToObject(Napi::Env env, const TypedParamList& params);

// Expected types of the fields a call accepts (VIR_TYPED_PARAM_*), e.g. from libvirt's
// VIR_DOMAIN_SCHEDULER_* / VIR_MIGRATE_PARAM_* macros.
using TypedParamSchema = std::unordered_map<std::string, int>;

// An owned virTypedParameter array (allocated by virTypedParamsAdd*, freed with virTypedParamsFree).
// Move-only; share it with a worker through a std::shared_ptr (AsyncCall's lambdas must be copyable).
class TypedParams {
 public:
  TypedParams() = default;
  TypedParams(const TypedParams&) = delete;
  TypedParams& operator=(const TypedParams&) = delete;
  TypedParams(TypedParams&& other) noexcept;
  TypedParams& operator=(TypedParams&& other) noexcept;
  ~TypedParams();

  // Converts a JS object on the JS thread. Each field must be in `schema` and its value must fit that
  // type (integers in range, booleans, strings); a string field may also be an array of strings, added
  // once per element (libvirt's repeated fields). Anything else throws a TypeError mentioning `what`.
  static TypedParams FromObject(Napi::Env env, Napi::Value value, const TypedParamSchema& schema,
                                const std::string& what);

  virTypedParameterPtr data() const { return params_; }
  int size() const { return count_; }

 private:
  void Add(Napi::Env env, const std::string& field, int type, Napi::Value value, const std::string& what);

  virTypedParameterPtr params_ = nullptr;
  int count_ = 0;
  int capacity_ = 0;
};

}  // namespace tandem
