/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File plumbing for keys, sealed outputs, bundles and transcripts: output files that appear
 * whole or not at all (written to a temporary file beside the target, then renamed), whole-fd
 * reads and writes that survive EINTR and short counts, and error-message prefixing.
 * Internal to the library.
 */
#ifndef TCVM_CRYPTO_IO_H
#define TCVM_CRYPTO_IO_H

#include "base/base.h"

#include <sys/types.h>

/*
 * An output file being written. With a path, bytes go to a temporary file in the same
 * directory (created with mode) and commit renames it over path; abort removes it. Without a
 * path (NULL or "-"), bytes go straight to standard output.
 */
typedef struct tcvm_outfile {
    char *path;
    char *tmp_path;
    int fd;
} tcvm_outfile_t;

tcvm_status_t tcvm__outfile_open(tcvm_outfile_t *f, const char *path, mode_t mode,
                                 tcvm_error_t *err);
tcvm_status_t tcvm__outfile_write(tcvm_outfile_t *f, const void *data, size_t size,
                                  tcvm_error_t *err);
/* Flushes to disk and renames into place. With exclusive, an existing path is refused
 * (TCVM_EEXIST) instead of replaced. Always releases f. */
tcvm_status_t tcvm__outfile_commit(tcvm_outfile_t *f, bool exclusive, tcvm_error_t *err);
/* Removes the temporary file and releases f; accepts a never-opened (zeroed) f. */
void tcvm__outfile_abort(tcvm_outfile_t *f);

/* Writes (data, size) to path whole or not at all (see above). */
tcvm_status_t tcvm__write_file(const char *path, const void *data, size_t size, mode_t mode,
                               bool exclusive, tcvm_error_t *err);

/* write(2) until done; TCVM_EIO on failure. */
tcvm_status_t tcvm__write_all(int fd, const void *data, size_t size);

/* Opens path for reading (NULL or "-": standard input, not closed later by tcvm__close_input). */
tcvm_status_t tcvm__open_input(const char *path, int *out_fd, tcvm_error_t *err);
void tcvm__close_input(int fd);

/* Rewrites err's message as "<prefix>: <old message>"; returns st. */
tcvm_status_t tcvm__error_prefix(tcvm_error_t *err, tcvm_status_t st, const char *fmt, ...)
    TCVM__PRINTF(3, 4);

#endif
