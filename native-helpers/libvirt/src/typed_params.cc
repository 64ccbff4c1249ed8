#include "typed_params.h"

#include <cmath>
#include <utility>

#include "errors.h"

namespace tandem {

namespace {

TypedParam CopyOne(const virTypedParameter& p) {
  TypedParam out{p.field, 0};
  switch (p.type) {
    case VIR_TYPED_PARAM_INT: out.value = p.value.i; break;
    case VIR_TYPED_PARAM_UINT: out.value = p.value.ui; break;
    case VIR_TYPED_PARAM_LLONG: out.value = p.value.l; break;
    case VIR_TYPED_PARAM_ULLONG: out.value = p.value.ul; break;
    case VIR_TYPED_PARAM_DOUBLE: out.value = p.value.d; break;
    case VIR_TYPED_PARAM_BOOLEAN: out.value = p.value.b != 0; break;
    case VIR_TYPED_PARAM_STRING: out.value = std::string(p.value.s != nullptr ? p.value.s : ""); break;
    default: out.value = std::string();  // a type newer than this binding: keep the key, no value to show
  }
  return out;
}

Napi::Value ToJs(Napi::Env env, const TypedParam& p) {
  return std::visit(
      [env](const auto& v) -> Napi::Value {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>) return Napi::String::New(env, v);
        else if constexpr (std::is_same_v<V, bool>) return Napi::Boolean::New(env, v);
        else return Napi::Number::New(env, static_cast<double>(v));
      },
      p.value);
}

// Appends to the array a repeated field already became, or turns the single value into an array.
void AddRepeated(Napi::Env env, Napi::Object obj, const std::string& field, Napi::Value value) {
  Napi::Value existing = obj.Get(field);
  Napi::Array list;
  if (existing.IsArray()) {
    list = existing.As<Napi::Array>();
  } else {
    list = Napi::Array::New(env);
    list.Set(0u, existing);
    obj.Set(field, list);
  }
  list.Set(list.Length(), value);
}

const char* TypeName(int type) {
  switch (type) {
    case VIR_TYPED_PARAM_INT: return "a 32-bit integer";
    case VIR_TYPED_PARAM_UINT: return "an unsigned 32-bit integer";
    case VIR_TYPED_PARAM_LLONG: return "a safe integer";
    case VIR_TYPED_PARAM_ULLONG: return "a non-negative safe integer";
    case VIR_TYPED_PARAM_DOUBLE: return "a finite number";
    case VIR_TYPED_PARAM_BOOLEAN: return "a boolean";
    case VIR_TYPED_PARAM_STRING: return "a string or an array of strings";
    default: return "a supported type";
  }
}

constexpr double kMaxSafeInteger = 9007199254740991.0;

// The integer a JS number or BigInt holds, if it is one within [min, max].
bool IntegerIn(Napi::Value value, double min, double max, double* out) {
  if (value.IsBigInt()) {
    bool lossless = false;
    double d = static_cast<double>(value.As<Napi::BigInt>().Int64Value(&lossless));
    if (!lossless) return false;
    *out = d;
  } else if (value.IsNumber()) {
    *out = value.As<Napi::Number>().DoubleValue();
  } else {
    return false;
  }
  return std::isfinite(*out) && std::trunc(*out) == *out && *out >= min && *out <= max;
}

// ullong values may be BigInts beyond 2^53 (sizes are not, but a tunable may be UINT64_MAX).
bool UnsignedIn(Napi::Value value, unsigned long long* out) {
  if (value.IsBigInt()) {
    bool lossless = false;
    uint64_t v = value.As<Napi::BigInt>().Uint64Value(&lossless);
    *out = v;
    return lossless;
  }
  double d = 0;
  if (!IntegerIn(value, 0, kMaxSafeInteger, &d)) return false;
  *out = static_cast<unsigned long long>(d);
  return true;
}

}  // namespace

TypedParamList CopyTypedParams(const virTypedParameter* params, int n) {
  TypedParamList out;
  out.reserve(n > 0 ? static_cast<size_t>(n) : 0);
  for (int i = 0; i < n; i++) out.push_back(CopyOne(params[i]));
  return out;
}

Napi::Object TypedParamsToObject(Napi::Env env, const TypedParamList& params) {
  Napi::Object obj = Napi::Object::New(env);
  for (const TypedParam& p : params) {
    Napi::Value value = ToJs(env, p);
    if (obj.HasOwnProperty(p.field)) {
      AddRepeated(env, obj, p.field, value);
    } else {
      obj.Set(p.field, value);
    }
  }
  return obj;
}

TypedParams::TypedParams(TypedParams&& other) noexcept
    : params_(std::exchange(other.params_, nullptr)),
      count_(std::exchange(other.count_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

TypedParams& TypedParams::operator=(TypedParams&& other) noexcept {
  std::swap(params_, other.params_);
  std::swap(count_, other.count_);
  std::swap(capacity_, other.capacity_);
  return *this;
}

TypedParams::~TypedParams() {
  // Frees the strings virTypedParamsAddString copied, then the array.
  if (params_ != nullptr) virTypedParamsFree(params_, count_);
}

TypedParams TypedParams::FromObject(Napi::Env env, Napi::Value value, const TypedParamSchema& schema,
                                    const std::string& what) {
  if (!value.IsObject() || value.IsArray()) throw Napi::TypeError::New(env, what + " must be an object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Array keys = obj.GetPropertyNames();
  TypedParams out;
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string field = keys.Get(i).ToString().Utf8Value();
    Napi::Value v = obj.Get(field);
    if (v.IsUndefined()) continue;  // `{ a: undefined }` means "not set", as in the rest of the binding
    auto type = schema.find(field);
    if (type == schema.end()) throw Napi::TypeError::New(env, what + ": unknown parameter '" + field + "'");
    if (type->second == VIR_TYPED_PARAM_STRING && v.IsArray()) {
      Napi::Array list = v.As<Napi::Array>();
      for (uint32_t j = 0; j < list.Length(); j++) out.Add(env, field, type->second, list.Get(j), what);
    } else {
      out.Add(env, field, type->second, v, what);
    }
  }
  return out;
}

void TypedParams::Add(Napi::Env env, const std::string& field, int type, Napi::Value v, const std::string& what) {
  const char* name = field.c_str();
  double d = 0;
  unsigned long long ull = 0;
  int rc = -1;
  bool ok = true;
  switch (type) {
    case VIR_TYPED_PARAM_INT:
      ok = IntegerIn(v, -2147483648.0, 2147483647.0, &d);
      if (ok) rc = virTypedParamsAddInt(&params_, &count_, &capacity_, name, static_cast<int>(d));
      break;
    case VIR_TYPED_PARAM_UINT:
      ok = IntegerIn(v, 0, 4294967295.0, &d);
      if (ok) rc = virTypedParamsAddUInt(&params_, &count_, &capacity_, name, static_cast<unsigned int>(d));
      break;
    case VIR_TYPED_PARAM_LLONG:
      ok = IntegerIn(v, -kMaxSafeInteger, kMaxSafeInteger, &d);
      if (ok) rc = virTypedParamsAddLLong(&params_, &count_, &capacity_, name, static_cast<long long>(d));
      break;
    case VIR_TYPED_PARAM_ULLONG:
      ok = UnsignedIn(v, &ull);
      if (ok) rc = virTypedParamsAddULLong(&params_, &count_, &capacity_, name, ull);
      break;
    case VIR_TYPED_PARAM_DOUBLE:
      ok = v.IsNumber() && std::isfinite(v.As<Napi::Number>().DoubleValue());
      if (ok) rc = virTypedParamsAddDouble(&params_, &count_, &capacity_, name, v.As<Napi::Number>().DoubleValue());
      break;
    case VIR_TYPED_PARAM_BOOLEAN:
      ok = v.IsBoolean();
      if (ok) rc = virTypedParamsAddBoolean(&params_, &count_, &capacity_, name, v.As<Napi::Boolean>().Value() ? 1 : 0);
      break;
    case VIR_TYPED_PARAM_STRING:
      ok = v.IsString();
      if (ok) rc = virTypedParamsAddString(&params_, &count_, &capacity_, name, v.As<Napi::String>().Utf8Value().c_str());
      break;
    default:
      ok = false;
  }
  if (!ok) throw Napi::TypeError::New(env, what + "." + field + " must be " + TypeName(type));
  // Only a field name longer than VIR_TYPED_PARAM_FIELD_LENGTH fails here (allocation failure aborts).
  if (rc < 0) throw MakeLibvirtError(env, CaptureLastError("virTypedParamsAdd"), "virTypedParamsAdd");
}

}  // namespace tandem
