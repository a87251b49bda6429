/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output files that appear whole or not at all, robust fd reads and writes, and error prefixes.
 * A sealed output, a decrypted plaintext or a key is written to a temporary file created with
 * O_EXCL next to its target and renamed over it only after fsync, so a failed or interrupted
 * operation never leaves a partial file under the target's name.
 */
#include "crypto/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_stdio(const char *path)
{
    return path == NULL || strcmp(path, "-") == 0;
}

tcvm_status_t tcvm__write_all(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return TCVM_EIO;
        }
        p += n;
        size -= (size_t)n;
    }
    return TCVM_OK;
}

tcvm_status_t tcvm__outfile_open(tcvm_outfile_t *f, const char *path, mode_t mode,
                                 tcvm_error_t *err)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (is_stdio(path)) {
        f->fd = STDOUT_FILENO;
        return TCVM_OK;
    }
    f->path = tcvm__strdup(path);
    size_t n = strlen(path) + sizeof ".tmp-XXXXXX";
    f->tmp_path = tcvm__malloc(n);
    if (f->path == NULL || f->tmp_path == NULL) {
        tcvm__outfile_abort(f);
        return tcvm__errorf(err, TCVM_ENOMEM, "%s: out of memory", path);
    }
    snprintf(f->tmp_path, n, "%s.tmp-XXXXXX", path);
    f->fd = mkostemp(f->tmp_path, O_CLOEXEC);
    if (f->fd < 0) {
        int e = errno;
        tcvm__free(f->tmp_path);
        f->tmp_path = NULL;
        tcvm__outfile_abort(f);
        return tcvm__errorf(err, TCVM_EIO, "%s: cannot create a file beside it: %s", path,
                            strerror(e));
    }
    if (fchmod(f->fd, mode) != 0) {
        int e = errno;
        tcvm__outfile_abort(f);
        return tcvm__errorf(err, TCVM_EIO, "%s: chmod: %s", path, strerror(e));
    }
    return TCVM_OK;
}

tcvm_status_t tcvm__outfile_write(tcvm_outfile_t *f, const void *data, size_t size,
                                  tcvm_error_t *err)
{
    if (tcvm__write_all(f->fd, data, size) != TCVM_OK)
        return tcvm__errorf(err, TCVM_EIO, "%s: write failed: %s",
                            f->path ? f->path : "standard output", strerror(errno));
    return TCVM_OK;
}

void tcvm__outfile_abort(tcvm_outfile_t *f)
{
    if (f->tmp_path != NULL) {
        if (f->fd >= 0) close(f->fd);
        unlink(f->tmp_path);
    }
    tcvm__free(f->tmp_path);
    tcvm__free(f->path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

tcvm_status_t tcvm__outfile_commit(tcvm_outfile_t *f, bool exclusive, tcvm_error_t *err)
{
    tcvm_status_t st = TCVM_OK;
    if (f->tmp_path == NULL) { /* standard output */
        memset(f, 0, sizeof *f);
        f->fd = -1;
        return TCVM_OK;
    }
    if (fsync(f->fd) != 0 || close(f->fd) != 0) {
        f->fd = -1;
        st = tcvm__errorf(err, TCVM_EIO, "%s: flushing to disk failed: %s", f->path,
                          strerror(errno));
        goto abort;
    }
    f->fd = -1;
    if (exclusive) {
        /* link(2) fails with EEXIST instead of replacing: no window where a file is lost */
        if (link(f->tmp_path, f->path) != 0) {
            int e = errno;
            st = tcvm__errorf(err, e == EEXIST ? TCVM_EEXIST : TCVM_EIO, "%s: %s", f->path,
                              e == EEXIST ? "already exists (not overwritten)" : strerror(e));
            goto abort;
        }
        unlink(f->tmp_path);
    } else if (rename(f->tmp_path, f->path) != 0) {
        st = tcvm__errorf(err, TCVM_EIO, "%s: rename failed: %s", f->path, strerror(errno));
        goto abort;
    }
    tcvm__free(f->tmp_path);
    f->tmp_path = NULL;
abort:
    tcvm__outfile_abort(f);
    return st;
}

tcvm_status_t tcvm__write_file(const char *path, const void *data, size_t size, mode_t mode,
                               bool exclusive, tcvm_error_t *err)
{
    tcvm_outfile_t f;
    tcvm_status_t st = tcvm__outfile_open(&f, path, mode, err);
    if (st != TCVM_OK) return st;
    st = tcvm__outfile_write(&f, data, size, err);
    if (st != TCVM_OK) {
        tcvm__outfile_abort(&f);
        return st;
    }
    return tcvm__outfile_commit(&f, exclusive, err);
}

tcvm_status_t tcvm__open_input(const char *path, int *out_fd, tcvm_error_t *err)
{
    if (is_stdio(path)) {
        *out_fd = STDIN_FILENO;
        return TCVM_OK;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tcvm__errorf(err, errno == ENOENT ? TCVM_ENOENT : TCVM_EIO, "%s: %s", path,
                            strerror(errno));
    *out_fd = fd;
    return TCVM_OK;
}

void tcvm__close_input(int fd)
{
    if (fd > STDERR_FILENO) close(fd);
}

tcvm_status_t tcvm__error_prefix(tcvm_error_t *err, tcvm_status_t st, const char *fmt, ...)
{
    if (err == NULL) return st;
    char prefix[TCVM_ERROR_MSG_SIZE], old[TCVM_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(old, sizeof old, "%s", err->message);
    return tcvm__errorf(err, st, "%s: %s", prefix, old);
}
