// Saver: a sorted list of entries, one per checkpoint key. An entry is a whole tensor in the file
// and one or more parts in the session: a plain variable is one part at offset 0; a partitioned
// variable is its shards, each a block of the full tensor at its SaveSliceInfo offset. Saving
// assembles each full tensor on the host and streams the file through an AtomicFileWriter;
// restoring checks every key, reads every tensor, and only then assigns, so a bad checkpoint
// changes nothing.
#include "varscope/saver.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>

#include "core/checkpoint/checkpoint_state.h"
#include "core/checkpoint/safetensors_format.h"
#include "core/checkpoint/tensor_blocks.h"
#include "core/io/file_io.h"
#include "core/logging.h"
#include "varscope/checkpoint_reader.h"
#include "varscope/collections.h"
#include "varscope/error.h"

namespace varscope::train {

namespace fs = std::filesystem;

namespace {

// One checkpoint key: a whole tensor in the file, one or more blocks ("parts") in the session.
struct Entry {
  struct Part {
    Variable variable;
    std::vector<std::int64_t> offset;
  };
  std::string key;
  DType dtype = DType::kInvalid;
  Shape shape;
  std::vector<Part> parts;

  bool is_whole_variable() const {
    return parts.size() == 1 && parts.front().variable.shape() == shape;
  }
};

constexpr std::string_view kExtension = ".safetensors";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string count(std::size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// "float32 [3, 4]"; a stored dtype varscope lacks keeps its safetensors name ("F8_E4M3 [3]").
std::string describe(std::string_view dtype, const Shape& shape) {
  return std::string(dtype) + " " + shape.to_list_string();
}

std::string describe_stored(const CheckpointReader& reader, const std::string& key) {
  const std::string& name = reader.dtype_name(key);
  const std::optional<DType> dtype = checkpoint::dtype_from_safetensors_name(name);
  return describe(dtype ? dtype_name(*dtype) : std::string_view(name), reader.shape(key));
}

bool blocks_overlap(const Entry::Part& a, const Entry::Part& b) {
  const auto& da = a.variable.shape().dims();
  const auto& db = b.variable.shape().dims();
  for (std::size_t d = 0; d < da.size(); ++d) {
    if (a.offset[d] + da[d] <= b.offset[d] || b.offset[d] + db[d] <= a.offset[d]) return false;
  }
  return true;
}

// The shards listed must tile the full variable: a checkpoint key holds all of it.
void check_tiling(const Entry& entry) {
  std::int64_t elements = 0;
  for (std::size_t i = 0; i < entry.parts.size(); ++i) {
    const Entry::Part& part = entry.parts[i];
    elements += part.variable.shape().num_elements();
    for (std::size_t j = 0; j < i; ++j) {
      if (blocks_overlap(part, entry.parts[j])) {
        throw ValueError("Shards " + entry.parts[j].variable.op_name() + " and " +
                         part.variable.op_name() + " of partitioned variable " + entry.key +
                         " overlap");
      }
    }
  }
  if (elements != entry.shape.num_elements()) {
    throw ValueError(
        "Only " + count(entry.parts.size(), "shard") + " of partitioned variable " + entry.key +
        " (full shape " + entry.shape.to_string() +
        ") were given to the Saver: a checkpoint key holds the whole variable, so pass every "
        "shard or the PartitionedVariable");
  }
}

// "ckpt/model" + 100 -> "ckpt/model-100.safetensors"; "ckpt/model.safetensors" -> itself.
std::string checkpoint_file(const std::string& save_path, std::optional<std::int64_t> global_step) {
  std::string stem = save_path;
  if (stem.ends_with(kExtension)) stem.resize(stem.size() - kExtension.size());
  if (stem.empty() || fs::path(stem).filename().empty()) {
    throw InvalidArgumentError("Saver::save: save_path '" + save_path + "' names no file");
  }
  if (global_step) stem += "-" + std::to_string(*global_step);
  return stem + std::string(kExtension);
}

std::string directory_of(const std::string& file) {
  const fs::path dir = fs::path(file).parent_path();
  return dir.empty() ? "." : dir.string();
}

// How the state file names `file`: relative to `dir` when it is in it.
std::string state_name(const std::string& file, const std::string& dir) {
  return directory_of(file) == dir ? fs::path(file).filename().string() : file;
}

Entry make_entry(const std::string& key, const Saveable& saveable) {
  Entry entry;
  entry.key = key;
  if (const auto* v = std::get_if<Variable>(&saveable.value())) {
    if (!*v) throw ValueError("Saver: null variable for key " + key);
    entry.dtype = v->dtype();
    entry.shape = v->shape();
    entry.parts.push_back({*v, std::vector<std::int64_t>(v->shape().dims().size(), 0)});
  } else {
    const auto& pv = std::get<PartitionedVariable>(saveable.value());
    if (!pv) throw ValueError("Saver: null partitioned variable for key " + key);
    entry.dtype = pv.dtype();
    entry.shape = pv.shape();
    for (const Variable& shard : pv.shards())
      entry.parts.push_back({shard, shard.save_slice_info()->var_offset});
  }
  if (!entry.shape.is_fully_defined()) {
    throw ValueError("Saver: variable " + key + " has shape " + entry.shape.to_string() +
                     ", which is not fully defined");
  }
  return entry;
}

}  // namespace

struct Saver::Impl {
  SaverOptions options;
  std::vector<Entry> entries;  // sorted by key
  std::mutex mutex;            // one save at a time: they share last_checkpoints
  std::vector<std::string> last_checkpoints;

  void add_list(const std::vector<Saveable>& var_list);
  std::string write(Session& sess, const std::string& file,
                    std::optional<std::int64_t> global_step);
};

Saveable::Saveable(const GetVariableResult& result) : value_(Variable()) {
  if (result.is_partitioned()) {
    value_ = result.partitioned();
  } else if (result.is_variable()) {
    value_ = result.variable();
  } else {
    throw ValueError("Saver: " + result.name() +
                     " is a tensor, not a variable: only variables can be saved");
  }
}

std::string RestoreReport::to_string() const {
  std::string out = "restored " + count(restored.size(), "key");
  if (!missing.empty())
    out +=
        "; missing from the checkpoint (" + std::to_string(missing.size()) + "): " + join(missing);
  if (!unexpected.empty()) {
    out += "; not in the saver (" + std::to_string(unexpected.size()) + "): " + join(unexpected);
  }
  if (!mismatched.empty()) {
    out +=
        "; dtype or shape differ (" + std::to_string(mismatched.size()) + "): " + join(mismatched);
  }
  return out;
}

Saver::Saver(SaverOptions options, Graph& graph) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  const std::vector<Variable> variables = global_variables("", graph);
  if (variables.empty()) throw ValueError("No variables to save");
  impl_->add_list(std::vector<Saveable>(variables.begin(), variables.end()));
}

Saver::Saver(const std::vector<Saveable>& var_list, SaverOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (var_list.empty()) throw ValueError("No variables to save");
  impl_->add_list(var_list);
}

void Saver::Impl::add_list(const std::vector<Saveable>& var_list) {
  // Shards group under their full name; everything else is its own key.
  std::map<std::string, std::vector<Variable>> shards;
  std::map<std::string, Shape> full_shapes;
  for (const Saveable& saveable : var_list) {
    if (const auto* v = std::get_if<Variable>(&saveable.value()); v && *v && v->save_slice_info()) {
      const SaveSliceInfo& info = *v->save_slice_info();
      shards[info.full_name].push_back(*v);
      full_shapes.emplace(info.full_name, Shape(info.full_shape));
    } else if (v) {
      entries.push_back(make_entry(*v ? v->op_name() : std::string(), saveable));
    } else {
      const auto& pv = std::get<PartitionedVariable>(saveable.value());
      entries.push_back(make_entry(pv ? pv.name() : std::string(), saveable));
    }
  }
  for (auto& [full_name, list] : shards) {
    Entry entry;
    entry.key = full_name;
    entry.dtype = list.front().dtype();
    entry.shape = full_shapes.at(full_name);
    for (const Variable& shard : list)
      entry.parts.push_back({shard, shard.save_slice_info()->var_offset});
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  std::set<const Node*> seen;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && entries[i].key == entries[i - 1].key) {
      throw ValueError("At least two variables have the same name: " + entries[i].key);
    }
    for (const Entry::Part& part : entries[i].parts) {
      if (!seen.insert(part.variable.op()).second) {
        throw ValueError("Variable " + part.variable.op_name() +
                         " is listed twice in the Saver's var_list");
      }
    }
    if (!entries[i].is_whole_variable()) check_tiling(entries[i]);
  }
}

Saver::Saver(const std::map<std::string, Saveable>& name_map, SaverOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (name_map.empty()) throw ValueError("No variables to save");
  std::map<const Node*, std::string> key_of;
  for (const auto& [key, saveable] : name_map) {
    if (key.empty()) throw ValueError("Saver: a checkpoint key cannot be empty");
    impl_->entries.push_back(make_entry(key, saveable));
    for (const Entry::Part& part : impl_->entries.back().parts) {
      const auto [it, inserted] = key_of.emplace(part.variable.op(), key);
      if (!inserted) {
        throw ValueError("The same variable " + part.variable.op_name() +
                         " would be saved and restored with two "
                         "names: " +
                         it->second + " and " + key);
      }
    }
  }
}

Saver::~Saver() = default;

std::vector<std::string> Saver::keys() const {
  std::vector<std::string> keys;
  for (const Entry& entry : impl_->entries) keys.push_back(entry.key);
  return keys;
}

std::vector<std::string> Saver::last_checkpoints() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_checkpoints;
}

std::string Saver::save(Session& sess, const std::string& save_path) {
  return impl_->write(sess, checkpoint_file(save_path, std::nullopt), std::nullopt);
}

std::string Saver::save(Session& sess, const std::string& save_path, std::int64_t global_step) {
  return impl_->write(sess, checkpoint_file(save_path, global_step), global_step);
}

std::string Saver::save(Session& sess, const std::string& save_path, const Variable& global_step) {
  if (!global_step) throw InvalidArgumentError("Saver::save: null global_step variable");
  const Tensor step = sess.variable_value(global_step);
  if (step.num_elements() != 1 ||
      (step.dtype() != DType::kInt64 && step.dtype() != DType::kInt32)) {
    throw InvalidArgumentError("Saver::save: global_step " + global_step.op_name() +
                               " must be an int32 or int64 scalar, got " +
                               describe(dtype_name(step.dtype()), step.shape()));
  }
  const std::int64_t value =
      step.dtype() == DType::kInt64 ? step.item<std::int64_t>() : step.item<std::int32_t>();
  return save(sess, save_path, value);
}

std::string Saver::Impl::write(Session& sess, const std::string& file,
                               std::optional<std::int64_t> global_step) {
  std::lock_guard lock(mutex);
  std::vector<std::pair<std::string, Tensor>> tensors;
  tensors.reserve(entries.size());
  for (const Entry& entry : entries) {
    for (const Entry::Part& part : entry.parts) {
      if (&part.variable.op()->graph() != &sess.graph()) {
        throw ValueError("Saver: variable " + part.variable.op_name() +
                         " is not an element of the session's graph");
      }
    }
    if (entry.is_whole_variable()) {
      tensors.emplace_back(entry.key, sess.variable_value(entry.parts.front().variable));
      continue;
    }
    Tensor whole(entry.dtype, entry.shape);
    for (const Entry::Part& part : entry.parts) {
      checkpoint::copy_block_into(whole, part.offset, sess.variable_value(part.variable));
    }
    tensors.emplace_back(entry.key, std::move(whole));
  }

  std::map<std::string, std::string> metadata{{"framework", "varscope"}};
  if (global_step) metadata.emplace("global_step", std::to_string(*global_step));
  const std::string header = checkpoint::safetensors_header_bytes(tensors, metadata);
  AtomicFileWriter out(file);
  out.write(header.data(), header.size());
  for (const std::size_t i : checkpoint::safetensors_data_order(tensors)) {
    out.write(tensors[i].second.raw_data(), tensors[i].second.nbytes());
  }
  out.commit();

  std::erase(last_checkpoints, file);
  last_checkpoints.push_back(file);
  while (options.max_to_keep > 0 &&
         last_checkpoints.size() > static_cast<std::size_t>(options.max_to_keep)) {
    std::error_code error;
    fs::remove(last_checkpoints.front(), error);
    if (error)
      log_warning("Saver: cannot delete old checkpoint " + last_checkpoints.front() + ": " +
                  error.message());
    last_checkpoints.erase(last_checkpoints.begin());
  }
  const std::string dir = directory_of(file);
  checkpoint::CheckpointState state;
  state.model_checkpoint_path = state_name(file, dir);
  for (const std::string& kept : last_checkpoints) {
    if (directory_of(kept) == dir)
      state.all_model_checkpoint_paths.push_back(state_name(kept, dir));
  }
  checkpoint::write_checkpoint_state(dir, options.latest_filename, state);
  return file;
}

RestoreReport Saver::restore(Session& sess, const std::string& path, RestoreOptions options) {
  std::string file = path;
  if (!fs::exists(file) && !file.ends_with(kExtension) &&
      fs::exists(file + std::string(kExtension))) {
    file += kExtension;
  }
  const CheckpointReader reader(file);

  RestoreReport report;
  std::vector<const Entry*> matched;
  std::set<std::string> known;
  for (const Entry& entry : impl_->entries) {
    known.insert(entry.key);
    if (!reader.has_tensor(entry.key)) {
      report.missing.push_back(entry.key);
      continue;
    }
    const Shape stored = reader.shape(entry.key);
    const std::string& stored_dtype = reader.dtype_name(entry.key);
    if (stored_dtype != checkpoint::safetensors_dtype_name(entry.dtype) || stored != entry.shape) {
      report.mismatched.push_back(entry.key + ": checkpoint " + describe_stored(reader, entry.key) +
                                  ", variable " + describe(dtype_name(entry.dtype), entry.shape));
      continue;
    }
    matched.push_back(&entry);
  }
  for (const std::string& key : reader.keys()) {
    if (!known.contains(key)) report.unexpected.push_back(key);
  }

  if (options.strict && !report.complete()) {
    std::string message = "Restoring from checkpoint " + file + " failed; nothing was restored.";
    if (!report.missing.empty()) {
      message += "\n  " + count(report.missing.size(), "key") +
                 " of the saver not found in the checkpoint: " + join(report.missing);
    }
    if (!report.unexpected.empty()) {
      message += "\n  " + count(report.unexpected.size(), "key") +
                 " of the checkpoint not in the saver: " + join(report.unexpected);
    }
    if (!report.mismatched.empty()) {
      message += "\n  " + count(report.mismatched.size(), "key") +
                 " with another dtype or shape: " + join(report.mismatched);
    }
    message +=
        "\nA name map (Saver({{\"checkpoint/key\", variable}, ...})) restores under other names; "
        "RestoreOptions{.strict = false} restores the keys that match.";
    if (!report.mismatched.empty()) throw InvalidArgumentError(message);
    throw NotFoundError(message);
  }

  // Read everything first: a file cut short now fails before any variable changes.
  std::vector<std::pair<const Variable*, Tensor>> assignments;
  for (const Entry* entry : matched) {
    for (const Entry::Part& part : entry->parts) {
      if (&part.variable.op()->graph() != &sess.graph()) {
        throw ValueError("Saver: variable " + part.variable.op_name() +
                         " is not an element of the session's graph");
      }
    }
    Tensor whole = reader.tensor(entry->key);
    if (entry->is_whole_variable()) {
      assignments.emplace_back(&entry->parts.front().variable, std::move(whole));
      continue;
    }
    for (const Entry::Part& part : entry->parts) {
      Tensor shard(entry->dtype, part.variable.shape());
      checkpoint::copy_block_from(whole, part.offset, shard);
      assignments.emplace_back(&part.variable, std::move(shard));
    }
  }
  for (const auto& [variable, value] : assignments) sess.assign_variable(*variable, value);
  for (const Entry* entry : matched) report.restored.push_back(entry->key);
  if (log_enabled(LogLevel::kInfo)) log_info("Restored " + report.to_string() + " from " + file);
  return report;
}

std::optional<std::string> latest_checkpoint(const std::string& checkpoint_dir,
                                             const std::string& latest_filename) {
  const auto state = checkpoint::read_checkpoint_state(checkpoint_dir, latest_filename);
  if (!state || state->model_checkpoint_path.empty()) return std::nullopt;
  fs::path path = state->model_checkpoint_path;
  if (path.is_relative()) path = fs::path(checkpoint_dir) / path;
  if (!fs::exists(path)) {
    log_warning("latest_checkpoint: " + latest_filename + " names " + path.string() +
                ", which does not exist");
    return std::nullopt;
  }
  return path.string();
}

}  // namespace varscope::train
