// exports._typedParamsRoundTrip(values, schema): JS object -> virTypedParameter array -> JS object, with
// no libvirt call in between. Lets the tests check every parameter type (and every TypeError) of
// typed_params.cc directly; the drivers only exercise a few types each. Local work only, hence sync.
#include "module_registry.h"
#include "typed_params.h"

namespace tandem {

namespace {

TypedParamSchema SchemaFrom(Napi::Env env, Napi::Value value) {
  if (!value.IsObject()) throw Napi::TypeError::New(env, "schema must be an object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Array keys = obj.GetPropertyNames();
  TypedParamSchema schema;
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string field = keys.Get(i).ToString().Utf8Value();
    Napi::Value type = obj.Get(field);
    if (!type.IsNumber()) throw Napi::TypeError::New(env, "schema values must be virTypedParameterType numbers");
    schema[field] = type.As<Napi::Number>().Int32Value();
  }
  return schema;
}

Napi::Value RoundTrip(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TypedParamSchema schema = SchemaFrom(env, info[1]);
  TypedParams params = TypedParams::FromObject(env, info[0], schema, "values");
  return TypedParamsToObject(env, CopyTypedParams(params.data(), params.size()));
}

void InitTypedParamsSelfTest(Napi::Env env, Napi::Object exports) {
  exports.Set("_typedParamsRoundTrip", Napi::Function::New(env, RoundTrip, "_typedParamsRoundTrip"));
}

}  // namespace

TANDEM_BINDING_MODULE(typed_params_selftest, InitTypedParamsSelfTest);

}  // namespace tandem
