// file.h — replacing a file's content durably and in one step, for files sealmail writes
// itself (keys, certificates, client state): a crash leaves either the old or the new content,
// never a mix, and once the call returns ok the new content survives power loss.
//
// SECURITY: the temporary file is created with O_EXCL (mkstemp) in the target's own directory,
// so it cannot be a pre-placed symlink, and it gets `mode` before any byte is written. The
// rename replaces a symlink at `path` itself rather than writing through it.
//
// Standards: POSIX rename(2) atomicity; fsync of the directory makes the rename durable.
//
// Thread-safety: pure function. Two concurrent writers of one path: the last rename wins.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "base/result.h"

namespace sealmail {

// Writes `data` to a temporary file next to `path` (mode `mode`), fsyncs it, renames it over
// `path` and fsyncs the directory. The directory must exist. Errors are kIo with the path and
// the OS reason; on error the temporary file is removed.
Status write_file_atomically(const std::filesystem::path& path, std::string_view data, mode_t mode);

}  // namespace sealmail
