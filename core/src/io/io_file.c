/* Atomic file writes (temporary file + rename), text outputs, same-file checks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io_internal.h"
#include "status/status_internal.h"

const char *ecm__io_errstr(int err, char *buf, size_t cap) {
  if (cap == 0) return "";
  if (strerror_r(err, buf, cap) != 0) snprintf(buf, cap, "error %d", err);
  return buf;
}

int ecm_io_same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (!a || !b) return 0;
  if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The process umask without changing it (umask() itself is not thread-safe to query). */
static mode_t ecm__io_umask(void) {
  mode_t m = 022;
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) return m;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "Umask:", 6) == 0) {
      m = (mode_t)strtoul(line + 6, NULL, 8) & 0777;
      break;
    }
  }
  fclose(f);
  return m;
}

/* Best effort: make the rename itself durable. */
static void ecm__io_sync_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = NULL;
  if (!slash) {
    dir = strdup(".");
  } else if (slash == path) {
    dir = strdup("/");
  } else {
    dir = malloc((size_t)(slash - path) + 1);
    if (dir) {
      memcpy(dir, path, (size_t)(slash - path));
      dir[slash - path] = '\0';
    }
  }
  if (!dir) return;
  int fd = open(dir, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  free(dir);
}

ecm_status ecm__io_atomic_begin(ecm__io_atomic *a, const char *path, int overwrite,
                                const char *protect) {
  char eb[128];
  memset(a, 0, sizeof *a);
  a->fd = -1;
  if (!path || !*path) return ecm__status_set(ECM_EINVAL, "output path is empty");
  a->path = path;
  a->overwrite = overwrite;
  if (protect && ecm_io_same_file(path, protect))
    return ecm__status_set(ECM_EEXIST, "%s: is the input file '%s': refusing to replace it", path,
                           protect);
  struct stat st;
  if (stat(path, &st) == 0) {
    if (!overwrite)
      return ecm__status_set(ECM_EEXIST, "%s: exists already (overwrite not allowed)", path);
    if (S_ISDIR(st.st_mode)) return ecm__status_set(ECM_EINVAL, "%s: is a directory", path);
  }
  size_t n = strlen(path);
  a->tmp = malloc(n + sizeof ".tmp-XXXXXX");
  if (!a->tmp) return ecm__status_set(ECM_ENOMEM, "%s: cannot allocate a file name", path);
  memcpy(a->tmp, path, n);
  memcpy(a->tmp + n, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
  a->fd = mkstemp(a->tmp);
  if (a->fd < 0) {
    int err = errno;
    free(a->tmp);
    a->tmp = NULL;
    return ecm__status_set(ECM_EIO, "%s: cannot create a temporary file next to it: %s", path,
                           ecm__io_errstr(err, eb, sizeof eb));
  }
  (void)fcntl(a->fd, F_SETFD, FD_CLOEXEC);
  /* mkstemp creates 0600; give the output the usual permissions. */
  (void)fchmod(a->fd, (mode_t)(0666 & ~ecm__io_umask()));
  return ECM_OK;
}

ecm_status ecm__io_atomic_write(ecm__io_atomic *a, const void *buf, size_t len) {
  char eb[128];
  const unsigned char *p = buf;
  while (len > 0) {
    size_t chunk = len > ((size_t)1 << 30) ? ((size_t)1 << 30) : len;
    ssize_t w = write(a->fd, p, chunk);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      return ecm__status_set(ECM_EIO, "%s: write error: %s", a->path,
                             ecm__io_errstr(w < 0 ? errno : EIO, eb, sizeof eb));
    p += w;
    len -= (size_t)w;
  }
  return ECM_OK;
}

void ecm__io_atomic_abort(ecm__io_atomic *a) {
  if (a->fd >= 0) close(a->fd);
  a->fd = -1;
  if (a->tmp) {
    (void)unlink(a->tmp);
    free(a->tmp);
    a->tmp = NULL;
  }
}

ecm_status ecm__io_atomic_commit(ecm__io_atomic *a) {
  char eb[128];
  ecm_status st = ECM_OK;
  if (fsync(a->fd) != 0 && errno != EINVAL && errno != EROFS) {
    st = ecm__status_set(ECM_EIO, "%s: cannot flush to disk: %s", a->path,
                         ecm__io_errstr(errno, eb, sizeof eb));
    ecm__io_atomic_abort(a);
    return st;
  }
  int rc = close(a->fd);
  a->fd = -1;
  if (rc != 0) {
    st = ecm__status_set(ECM_EIO, "%s: error closing the file: %s", a->path,
                         ecm__io_errstr(errno, eb, sizeof eb));
    ecm__io_atomic_abort(a);
    return st;
  }
  if (a->overwrite) {
    if (rename(a->tmp, a->path) != 0) {
      st = ecm__status_set(ECM_EIO, "%s: cannot rename the temporary file into place: %s", a->path,
                           ecm__io_errstr(errno, eb, sizeof eb));
      ecm__io_atomic_abort(a);
      return st;
    }
  } else {
    /* link() never replaces an existing file: a file that appeared meanwhile survives. */
    if (link(a->tmp, a->path) != 0) {
      int err = errno;
      struct stat sst;
      if (err == EEXIST) {
        st = ecm__status_set(ECM_EEXIST, "%s: exists already (overwrite not allowed)", a->path);
      } else if (lstat(a->path, &sst) == 0) {
        st = ecm__status_set(ECM_EEXIST, "%s: exists already (overwrite not allowed)", a->path);
      } else if (rename(a->tmp, a->path) != 0) { /* file system without hard links */
        st = ecm__status_set(ECM_EIO, "%s: cannot rename the temporary file into place: %s",
                             a->path, ecm__io_errstr(errno, eb, sizeof eb));
      } else {
        free(a->tmp);
        a->tmp = NULL;
      }
      if (st != ECM_OK) {
        ecm__io_atomic_abort(a);
        return st;
      }
    } else {
      (void)unlink(a->tmp);
    }
  }
  free(a->tmp);
  a->tmp = NULL;
  ecm__io_sync_dir(a->path);
  return ECM_OK;
}

ecm_status ecm_io_write_text(const char *path, const char *text, size_t len, int overwrite) {
  if (!path || (!text && len > 0))
    return ecm__status_set(ECM_EINVAL, "ecm_io_write_text: NULL argument");
  ecm__io_atomic a;
  ECM__TRY(ecm__io_atomic_begin(&a, path, overwrite, NULL));
  ecm_status st = len ? ecm__io_atomic_write(&a, text, len) : ECM_OK;
  if (st != ECM_OK) {
    ecm__io_atomic_abort(&a);
    return st;
  }
  return ecm__io_atomic_commit(&a);
}
