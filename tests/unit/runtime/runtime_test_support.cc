#include "runtime_test_support.h"

#include <gtest/gtest.h>

namespace se::runtime::js::testing {
namespace {

std::unique_ptr<JsEngine>& shared_engine() {
  static std::unique_ptr<JsEngine> engine;
  return engine;
}

class EngineEnvironment final : public ::testing::Environment {
 public:
  void TearDown() override { shared_engine().reset(); }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new EngineEnvironment());

}  // namespace

JsEngine& engine() {
  if (!shared_engine()) shared_engine() = create_js_engine(EngineOptions{});
  return *shared_engine();
}

}  // namespace se::runtime::js::testing
