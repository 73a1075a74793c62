#include "client/home.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/file.h"

namespace sealmail::client {
namespace {

Error io_error(const std::string& what, int err) {
  return make_error(Errc::kIo, what + ": " + std::strerror(err));
}

// An existing directory: refuse what is not ours, tighten what is.
Status make_private(const std::filesystem::path& dir, const struct stat& st) {
  if (!S_ISDIR(st.st_mode)) {
    return make_error(Errc::kInvalidArgument, dir.string() + " exists and is not a directory");
  }
  if (st.st_uid != ::geteuid()) {
    return make_error(Errc::kPermissionDenied,
                      dir.string() +
                          " belongs to another user; sealmail keeps its state only in "
                          "a directory of your own");
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return io_error("cannot restrict " + dir.string() + " to mode 0700", errno);
  }
  return ok_status();
}

}  // namespace

Result<std::filesystem::path> client_home() {
  std::filesystem::path home;
  if (const char* env = std::getenv("SEALMAIL_HOME"); env != nullptr && *env != '\0') {
    home = env;
  } else if (const char* user = std::getenv("HOME"); user != nullptr && *user != '\0') {
    home = std::filesystem::path(user) / ".config" / "sealmail";
  } else {
    return make_error(Errc::kInvalidArgument,
                      "cannot tell where to keep sealmail's state: set SEALMAIL_HOME or HOME");
  }
  if (!home.is_absolute()) {
    return make_error(Errc::kInvalidArgument,
                      "sealmail's state directory must be an absolute path, got " + home.string());
  }
  return home.lexically_normal();
}

Status ensure_private_dir(const std::filesystem::path& dir) {
  if (dir.empty()) return make_error(Errc::kInvalidArgument, "empty directory name");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return make_private(dir, st);
  if (errno != ENOENT && errno != ENOTDIR) {
    return io_error("cannot inspect " + dir.string(), errno);
  }

  // Collect the missing ancestors, outermost last, and create them outermost first.
  std::vector<std::filesystem::path> missing;
  for (std::filesystem::path p = dir.lexically_normal(); !p.empty();) {
    if (p.filename().empty()) p = p.parent_path();  // "a/b/" → "a/b"
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return make_error(Errc::kInvalidArgument, p.string() + " exists and is not a directory");
      }
      break;
    }
    if (errno == ENOTDIR) {
      return make_error(Errc::kInvalidArgument,
                        "cannot create " + dir.string() + ": a parent is not a directory");
    }
    if (errno != ENOENT) return io_error("cannot inspect " + p.string(), errno);
    missing.push_back(p);
    std::filesystem::path parent = p.parent_path();
    if (parent == p) break;
    p = parent;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return io_error("cannot create " + it->string(), errno);
    }
  }
  // mkdir's mode went through the umask (which can only remove bits) or a racing creator made
  // it: settle the final mode the same way as for an existing directory.
  if (::stat(dir.c_str(), &st) != 0) return io_error("cannot inspect " + dir.string(), errno);
  return make_private(dir, st);
}

Status write_private_file(const std::filesystem::path& path, std::string_view content) {
  return write_file_atomically(path, content, 0600);
}

Result<std::string> read_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(Errc::kNotFound, "no such file: " + path.string());
    return io_error("cannot open " + path.string(), errno);
  }
  std::string out;
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("cannot read " + path.string(), err);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status remove_file(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return io_error("cannot remove " + path.string(), errno);
  }
  return ok_status();
}

}  // namespace sealmail::client
