// home.h — where the client keeps its state (session tokens, pinned servers, keys to come) and
// the few file operations it needs: private directories, private files replaced atomically.
//
// SECURITY: everything written here may be secret, so directories are 0700 and files 0600
// from their first byte (the temporary file gets its mode before any content). An existing
// state directory owned by us is chmod-ed to 0700; one owned by another user is refused.
// Reads are of our own files; their content is still validated by whoever parses it.
//
// Standards: XDG Base Directory (the $HOME/.config default), POSIX rename(2) atomicity.
//
// Thread-safety: free functions without shared state. Concurrent writers of one file: the
// last rename wins; readers see either the old or the new content, never a mix.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail::client {

// $SEALMAIL_HOME if set and non-empty, else $HOME/.config/sealmail; kInvalidArgument if neither
// is set (or the result is not an absolute path). Does not create anything.
Result<std::filesystem::path> client_home();

// Creates `dir` and any missing parents with mode 0700. An existing directory we own is made
// 0700 if group or others had any access; one owned by another user → kPermissionDenied; a
// non-directory → kInvalidArgument; OS failures → kIo.
Status ensure_private_dir(const std::filesystem::path& dir);

// Atomically replaces `path` with `content`, mode 0600: temp file in the same directory
// (O_EXCL), fsync, rename, fsync of the directory. The directory must exist.
Status write_private_file(const std::filesystem::path& path, std::string_view content);

// The whole file; kNotFound if it does not exist, kIo for other failures.
Result<std::string> read_file(const std::filesystem::path& path);

// Removes `path`; ok if it does not exist. kIo for other failures.
Status remove_file(const std::filesystem::path& path);

}  // namespace sealmail::client
