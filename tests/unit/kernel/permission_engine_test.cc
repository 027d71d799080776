#include "kernel/permission_engine.h"

#include <gtest/gtest.h>

namespace se::kernel {
namespace {

using config::PermissionDomain;
using config::PermissionMode;
using config::PermissionRule;
using config::PermissionRuleSet;
using config::PermissionsPolicy;

PermissionRule rule(PermissionMode mode, std::vector<std::string> operations, std::vector<std::string> patterns) {
  return PermissionRule{mode, std::move(operations), std::move(patterns)};
}

TEST(PermissionEngine, AbsentScopeDenies) {
  PermissionEngine engine(PermissionsPolicy{});
  const PermissionDecision decision = engine.check(PermissionDomain::Fs, "read", "/tmp");
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.reason, "blocked by fs.read policy");
}

TEST(PermissionEngine, BareModesApplyToEveryOperationAndResource) {
  PermissionsPolicy policy;
  policy.fs = PermissionMode::Allow;
  policy.network = PermissionMode::Ask;
  policy.child_process = PermissionMode::Deny;
  PermissionEngine engine(policy);
  EXPECT_TRUE(engine.check(PermissionDomain::Fs, "write", "/etc/passwd").allowed);
  EXPECT_TRUE(engine.check(PermissionDomain::Fs, "read", "").allowed);
  EXPECT_EQ(engine.check(PermissionDomain::Fs, "read", "/x").reason, "");

  const PermissionDecision ask = engine.check(PermissionDomain::Network, "http", "tcp://h:1");
  EXPECT_FALSE(ask.allowed);
  EXPECT_EQ(ask.reason, "permission prompt required for network.http");

  const PermissionDecision deny = engine.check(PermissionDomain::ChildProcess, "spawn", "node");
  EXPECT_FALSE(deny.allowed);
  EXPECT_EQ(deny.reason, "blocked by child_process.spawn policy");
}

TEST(PermissionEngine, ReasonsNameEveryDomain) {
  PermissionEngine engine(PermissionsPolicy::deny_all());
  EXPECT_EQ(engine.check(PermissionDomain::Fs, "rm", "/a").reason, "blocked by fs.rm policy");
  EXPECT_EQ(engine.check(PermissionDomain::Network, "dns", "dns://a").reason, "blocked by network.dns policy");
  EXPECT_EQ(engine.check(PermissionDomain::ChildProcess, "spawn", "sh").reason,
            "blocked by child_process.spawn policy");
  EXPECT_EQ(engine.check(PermissionDomain::Process, "inspect", "process://snapshot").reason,
            "blocked by process.inspect policy");
  EXPECT_EQ(engine.check(PermissionDomain::Env, "read", "HOME").reason, "blocked by env.read policy");
  EXPECT_EQ(engine.check(PermissionDomain::Binding, "invoke", "kit:tool").reason, "blocked by binding.invoke policy");
}

TEST(PermissionEngine, AllowAllAllowsEveryDomain) {
  PermissionEngine engine(PermissionsPolicy::allow_all());
  for (PermissionDomain domain : {PermissionDomain::Fs, PermissionDomain::Network, PermissionDomain::ChildProcess,
                                  PermissionDomain::Process, PermissionDomain::Env, PermissionDomain::Binding}) {
    EXPECT_TRUE(engine.check(domain, "op", "resource").allowed);
  }
}

TEST(PermissionEngine, RuleSetStartsFromItsDefault) {
  PermissionsPolicy policy;
  policy.fs = PermissionRuleSet{PermissionMode::Allow, {rule(PermissionMode::Deny, {"write"}, {"/etc/**"})}};
  PermissionEngine engine(policy);
  EXPECT_TRUE(engine.check(PermissionDomain::Fs, "read", "/etc/passwd").allowed);
  EXPECT_TRUE(engine.check(PermissionDomain::Fs, "write", "/tmp/a").allowed);
  EXPECT_FALSE(engine.check(PermissionDomain::Fs, "write", "/etc/passwd").allowed);
}

TEST(PermissionEngine, RuleSetWithoutDefaultDenies) {
  PermissionsPolicy policy;
  policy.fs = PermissionRuleSet{std::nullopt, {rule(PermissionMode::Allow, {"read"}, {"/workspace/**"})}};
  PermissionEngine engine(policy);
  EXPECT_TRUE(engine.check(PermissionDomain::Fs, "read", "/workspace/a/b").allowed);
  const PermissionDecision decision = engine.check(PermissionDomain::Fs, "read", "/etc/passwd");
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.reason, "blocked by fs.read policy");
  EXPECT_FALSE(engine.check(PermissionDomain::Fs, "write", "/workspace/a").allowed);
}

TEST(PermissionEngine, LastMatchingRuleWins) {
  PermissionsPolicy policy;
  policy.fs = PermissionRuleSet{
      PermissionMode::Deny,
      {rule(PermissionMode::Allow, {"*"}, {"/data/**"}), rule(PermissionMode::Deny, {"read"}, {"/data/secret.txt"}),
       rule(PermissionMode::Ask, {"write"}, {"/data/*"})}};
  PermissionEngine engine(policy);
  EXPECT_TRUE(engine.check(PermissionDomain::Fs, "read", "/data/host.txt").allowed);
  EXPECT_FALSE(engine.check(PermissionDomain::Fs, "read", "/data/secret.txt").allowed);
  EXPECT_TRUE(engine.check(PermissionDomain::Fs, "write", "/data/deep/x").allowed);
  const PermissionDecision ask = engine.check(PermissionDomain::Fs, "write", "/data/x");
  EXPECT_FALSE(ask.allowed);
  EXPECT_EQ(ask.reason, "permission prompt required for fs.write");

  // Reversing the order flips the outcome: specificity does not matter, position does.
  policy.fs = PermissionRuleSet{
      PermissionMode::Deny,
      {rule(PermissionMode::Deny, {"read"}, {"/data/secret.txt"}), rule(PermissionMode::Allow, {"*"}, {"/data/**"})}};
  engine.set_policy(policy);
  EXPECT_TRUE(engine.check(PermissionDomain::Fs, "read", "/data/secret.txt").allowed);
}

TEST(PermissionEngine, RuleNeedsBothOperationAndPatternToMatch) {
  PermissionsPolicy policy;
  policy.network = PermissionRuleSet{PermissionMode::Deny,
                                     {rule(PermissionMode::Allow, {"http", "dns"}, {"tcp://127.0.0.1:*", "dns://**"})}};
  PermissionEngine engine(policy);
  EXPECT_TRUE(engine.check(PermissionDomain::Network, "http", "tcp://127.0.0.1:8080").allowed);
  EXPECT_TRUE(engine.check(PermissionDomain::Network, "dns", "dns://example.com").allowed);
  EXPECT_FALSE(engine.check(PermissionDomain::Network, "listen", "tcp://127.0.0.1:8080").allowed);
  EXPECT_FALSE(engine.check(PermissionDomain::Network, "http", "tcp://10.0.0.1:80").allowed);
  // Operation names match exactly, not as globs.
  policy.network = PermissionRuleSet{PermissionMode::Deny, {rule(PermissionMode::Allow, {"ht*"}, {"**"})}};
  engine.set_policy(policy);
  EXPECT_FALSE(engine.check(PermissionDomain::Network, "http", "tcp://h:1").allowed);
  EXPECT_TRUE(engine.check(PermissionDomain::Network, "ht*", "tcp://h:1").allowed);
}

TEST(PermissionEngine, SetPolicyReplacesThePolicy) {
  PermissionEngine engine(PermissionsPolicy::deny_all());
  EXPECT_FALSE(engine.check(PermissionDomain::Fs, "read", "/").allowed);
  engine.set_policy(PermissionsPolicy::allow_all());
  EXPECT_TRUE(engine.check(PermissionDomain::Fs, "read", "/").allowed);
  EXPECT_EQ(engine.policy(), PermissionsPolicy::allow_all());
}

TEST(FilterEnv, DropsVariablesWhoseReadIsNotAllowed) {
  const std::map<std::string, std::string> env = {{"HOME", "/home/agentos"}, {"SECRET_TOKEN", "x"}, {"PATH", "/bin"}};
  PermissionsPolicy policy;
  policy.env = PermissionRuleSet{
      PermissionMode::Allow,
      {rule(PermissionMode::Deny, {"read"}, {"SECRET_*"}), rule(PermissionMode::Ask, {"read"}, {"PATH"})}};
  const auto visible = filter_env(PermissionEngine(policy), env);
  EXPECT_EQ(visible, (std::map<std::string, std::string>{{"HOME", "/home/agentos"}}));
}

TEST(FilterEnv, DenyAllOrAbsentScopeEmptiesTheEnvironment) {
  const std::map<std::string, std::string> env = {{"HOME", "/root"}};
  EXPECT_TRUE(filter_env(PermissionEngine(PermissionsPolicy::deny_all()), env).empty());
  EXPECT_TRUE(filter_env(PermissionEngine(PermissionsPolicy{}), env).empty());
  EXPECT_EQ(filter_env(PermissionEngine(PermissionsPolicy::allow_all()), env), env);
}

TEST(FilterEnv, WriteRulesDoNotHideVariables) {
  PermissionsPolicy policy;
  policy.env = PermissionRuleSet{PermissionMode::Allow, {rule(PermissionMode::Deny, {"write"}, {"**"})}};
  const std::map<std::string, std::string> env = {{"A", "1"}};
  EXPECT_EQ(filter_env(PermissionEngine(policy), env), env);
}

}  // namespace
}  // namespace se::kernel
