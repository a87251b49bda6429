/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm spec DIR|FILE.wast|FILE.json...`: runs WebAssembly core spec-test scripts through
 * wast2json and the engine (spec_run.c does one file). Each file runs in its own child process
 * with a time limit, so an engine crash, hang or sanitizer report in one file is reported as
 * that file's failure and the run goes on. Prints one line per file (and the first failures and
 * the skip reasons below it), then the assertion counts, then exactly
 * "N passed, N failed, N skipped". Exit 0 only when nothing failed.
 */
#include "cli/cli.h"
#include "cli/spec.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SPEC_DEFAULT_TIMEOUT 300u /* seconds per file */
#define SPEC_DEFAULT_SHOW 5u      /* failures described per file */

static void spec_usage(FILE *out)
{
    fprintf(out,
            "usage: 2cvm spec [OPTIONS] DIR|FILE.wast|FILE.json...\n"
            "\n"
            "Runs WebAssembly core spec-test scripts: each .wast file is converted by wabt's\n"
            "wast2json into a temporary directory, a .json file is read as wast2json wrote it\n"
            "(its modules next to it), and a directory means its *.wast files. Prints one line\n"
            "per file and ends with the line \"N passed, N failed, N skipped\" (counting every\n"
            "command: modules, registrations, actions and assertions).\n"
            "\n"
            "options:\n"
            "  --verbose          describe every failure and skip; show spectest.print calls\n"
            "  --show N           failures described per file (default %u)\n"
            "  --fuel N           meter fuel, N units for each call and instantiation\n"
            "  --tier interp|aot  the engine tier to run on (default interp)\n"
            "  --timeout SECONDS  time limit per file (default %u; 0 = none)\n"
            "  --no-fork          run every file in this process (for debugging)\n"
            "  --wast2json PATH   the wast2json to run (default: wast2json from PATH)\n"
            "  --wast-parse PATH  tools/wast-parse.mjs, for Component Model scripts (run by\n"
            "                     node with jco; default: the tools/ of this source tree)\n"
            "\n"
            "exit status: 0 when nothing failed, 1 when something failed, 2 on usage errors\n",
            SPEC_DEFAULT_SHOW, SPEC_DEFAULT_TIMEOUT);
}

/* ---- the list of files ----------------------------------------------------------------- */

typedef struct file_list {
    char **items;
    size_t count, cap;
} file_list_t;

static bool list_add(file_list_t *l, const char *path)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **items = realloc(l->items, cap * sizeof *items);
        if (items == NULL) return false;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count] = strdup(path);
    return l->items[l->count++] != NULL;
}

static void list_free(file_list_t *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds DIR's *.wast files, sorted by name. */
static bool add_dir(file_list_t *l, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        cli_errorf("cannot read directory %s: %s", dir, strerror(errno));
        return false;
    }
    size_t first = l->count;
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 5 || strcmp(e->d_name + n - 5, ".wast") != 0) continue;
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) continue;
        ok = list_add(l, path);
    }
    closedir(d);
    if (!ok) {
        cli_errorf("out of memory");
        return false;
    }
    qsort(l->items + first, l->count - first, sizeof l->items[0], cmp_str);
    if (l->count == first) cli_errorf("warning: no .wast files in %s", dir);
    return true;
}

/* True when tool is a path to an executable, or an executable found in PATH. */
static bool tool_exists(const char *tool)
{
    if (strchr(tool, '/') != NULL) return access(tool, X_OK) == 0;
    const char *path = getenv("PATH");
    if (path == NULL) return false;
    while (*path) {
        size_t n = strcspn(path, ":");
        char full[4096];
        if (n > 0 &&
            (size_t)snprintf(full, sizeof full, "%.*s/%s", (int)n, path, tool) < sizeof full &&
            access(full, X_OK) == 0)
            return true;
        path += n;
        if (*path == ':') path++;
    }
    return false;
}

/* ---- one file in a child process ----------------------------------------------------- */

static bool read_full(int fd, void *buf, size_t size)
{
    uint8_t *p = buf;
    while (size > 0) {
        ssize_t n = read(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= (size_t)n;
    }
    return true;
}

static bool write_full(int fd, const void *buf, size_t size)
{
    const uint8_t *p = buf;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= (size_t)n;
    }
    return true;
}

static const char *display_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void run_forked(const char *path, const spec_options_t *opt, unsigned timeout,
                       spec_counts_t *out)
{
    memset(out, 0, sizeof *out);
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        printf("FAIL %s: pipe: %s\n", display_name(path), strerror(errno));
        out->failed = 1;
        out->kind[SPEC_OTHER][1] = 1;
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL %s: fork: %s\n", display_name(path), strerror(errno));
        close(fds[0]);
        close(fds[1]);
        out->failed = 1;
        out->kind[SPEC_OTHER][1] = 1;
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        if (timeout) alarm(timeout);
        spec_counts_t c;
        spec_run_file(path, opt, &c);
        bool ok = write_full(fds[1], &c, sizeof c);
        close(fds[1]);
        exit(ok ? 0 : 3); /* exit, not _exit: leak checkers run at exit */
    }
    close(fds[1]);
    spec_counts_t c;
    bool got = read_full(fds[0], &c, sizeof c);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got) *out = c;
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (got && clean) return;
    out->failed++;
    out->kind[SPEC_OTHER][1]++;
    fflush(stdout);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        printf("FAIL %s: timed out after %u s\n", display_name(path), timeout);
    else if (WIFSIGNALED(status))
        printf("FAIL %s: the runner process died of signal %d (%s)%s\n", display_name(path),
               WTERMSIG(status), strsignal(WTERMSIG(status)), got ? " after the script" : "");
    else
        printf("FAIL %s: the runner process exited with status %d%s\n", display_name(path),
               WIFEXITED(status) ? WEXITSTATUS(status) : -1,
               got ? " after the script (a sanitizer report on stderr?)" : "");
}

/* ---- the command ---------------------------------------------------------------------- */

int cli_cmd_spec(int argc, char **argv)
{
    spec_options_t opt = {.wast2json = "wast2json", .show = SPEC_DEFAULT_SHOW};
    unsigned timeout = SPEC_DEFAULT_TIMEOUT;
    bool fork_each = true;
    file_list_t files = {0};
    int rc = CLI_USAGE;
    bool need_tool = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool missing = false;
        const char *v;
        uint64_t n;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            spec_usage(stdout);
            rc = CLI_OK;
            goto out;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            opt.verbose = true;
        } else if (strcmp(a, "--no-fork") == 0) {
            fork_each = false;
        } else if ((v = cli_option(argc, argv, &i, "--show", &missing)) != NULL) {
            if (!cli_parse_u64(v, &n) || n > 1000000) {
                cli_errorf("--show needs a count, not '%s'", v);
                goto out;
            }
            opt.show = (unsigned)n;
        } else if ((v = cli_option(argc, argv, &i, "--fuel", &missing)) != NULL) {
            if (!cli_parse_u64(v, &opt.fuel)) {
                cli_errorf("--fuel needs a number, not '%s'", v);
                goto out;
            }
        } else if ((v = cli_option(argc, argv, &i, "--tier", &missing)) != NULL) {
            if (!cli_parse_tier(v, &opt.tier))
                goto out;
        } else if ((v = cli_option(argc, argv, &i, "--timeout", &missing)) != NULL) {
            if (!cli_parse_u64(v, &n) || n > 86400) {
                cli_errorf("--timeout needs seconds (at most 86400), not '%s'", v);
                goto out;
            }
            timeout = (unsigned)n;
        } else if ((v = cli_option(argc, argv, &i, "--wast2json", &missing)) != NULL) {
            opt.wast2json = v;
        } else if ((v = cli_option(argc, argv, &i, "--wast-parse", &missing)) != NULL) {
            opt.wast_parse = v;
        } else if (missing) {
            goto out;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_errorf("unknown option '%s'", a);
            spec_usage(stderr);
            goto out;
        } else {
            struct stat st;
            if (stat(a, &st) != 0) {
                cli_errorf("%s: %s", a, strerror(errno));
                rc = CLI_FAIL;
                goto out;
            }
            size_t before = files.count;
            if (S_ISDIR(st.st_mode) ? !add_dir(&files, a) : !list_add(&files, a)) {
                rc = CLI_FAIL;
                goto out;
            }
            for (size_t k = before; k < files.count; k++) {
                size_t len = strlen(files.items[k]);
                if ((len < 5 || strcmp(files.items[k] + len - 5, ".json") != 0) &&
                    !spec_is_component_script(files.items[k]))
                    need_tool = true;
            }
        }
    }
    if (files.count == 0) {
        cli_errorf("no script given");
        spec_usage(stderr);
        goto out;
    }
    if (need_tool && !tool_exists(opt.wast2json)) {
        cli_errorf("%s not found: it converts .wast scripts (install wabt, or give "
                   "--wast2json PATH)",
                   opt.wast2json);
        rc = CLI_FAIL;
        goto out;
    }

    spec_counts_t total = {0};
    for (size_t i = 0; i < files.count; i++) {
        spec_counts_t c;
        if (fork_each)
            run_forked(files.items[i], &opt, timeout, &c);
        else
            spec_run_file(files.items[i], &opt, &c);
        spec_counts_add(&total, &c);
        fflush(stdout);
    }
    unsigned long ap = 0, af = 0, as = 0;
    for (int k = SPEC_ASSERT_RETURN; k <= SPEC_ASSERT_UNINSTANTIABLE; k++) {
        ap += total.kind[k][0];
        af += total.kind[k][1];
        as += total.kind[k][2];
    }
    if (opt.verbose) {
        for (int k = 0; k < SPEC_KIND_COUNT; k++) {
            unsigned long *c = total.kind[k];
            if (c[0] || c[1] || c[2])
                printf("%s: %lu passed, %lu failed, %lu skipped\n", spec_kind_name((spec_kind_t)k),
                       c[0], c[1], c[2]);
        }
    }
    printf("files: %zu; assertions: %lu passed, %lu failed, %lu skipped\n", files.count, ap, af,
           as);
    printf("%lu passed, %lu failed, %lu skipped\n", total.passed, total.failed, total.skipped);
    rc = total.failed ? CLI_FAIL : CLI_OK;
out:
    list_free(&files);
    return rc;
}
