// Name scopes: prefixes for op names, like tf.name_scope (TF1, graph mode).
//
//   NameScope a{"a"};          // "a/"
//   NameScope b{"b"};          // "a/b/"
//   NameScope again{"a/b/"};   // "a/b/"   trailing "/": re-enter absolutely, no uniquification
//   NameScope root{""};        // ""       the root, for this block
// Opening "a" again at the root gives "a_1/". Name scopes prefix ops and tf.Variable-style
// variables; get_variable ignores them (it follows the variable scope).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace varscope {

class Graph;

/// `with tf.name_scope(name) as scope:` on this thread's default graph. Throws ValueError
/// "'<name>' is not a valid scope name" for a name TF1 rejects.
class [[nodiscard]] NameScope {
 public:
  /// A relative, uniquified scope; "" resets to the root; a trailing "/" re-enters absolutely.
  [[nodiscard]] explicit NameScope(std::string_view name);
  /// tf.name_scope(name, default_name): uses `default_name` when `name` is nullopt.
  /// With nullopt and an empty default_name it resets to the root, as tf.name_scope(None) does.
  [[nodiscard]] NameScope(std::optional<std::string_view> name, std::string_view default_name);
  ~NameScope();
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;

  /// The scope this block opened, with a trailing "/" ("a/b/"), or "" for the root.
  const std::string& name() const { return name_; }

 private:
  void enter(std::string_view name);

  Graph* graph_;
  std::string previous_;
  std::string name_;
};

/// The current thread's name scope on the default graph, without trailing "/".
std::string get_name_scope();

}  // namespace varscope
