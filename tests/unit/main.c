/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entry point of the unit-test binary: `tcvm_unit NAME` runs one test, `tcvm_unit --list` names
 * them all, `tcvm_unit` with no argument runs every test in this one process (a quick local loop;
 * ctest runs each in its own process).
 */
#include "test.h"

#include <stdarg.h>
#include <sys/stat.h>

#define X(name) void tcvm_test_##name(void);
#include "test_list.h"
#undef X

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
#define X(name) {#name, tcvm_test_##name},
#include "test_list.h"
#undef X
    {NULL, NULL},
};

void tcvm_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: FAIL: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

void tcvm_test_skip(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "SKIPPED: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(77);
}

const char *tcvm_test_shared(const char *rel, char *buf, size_t size)
{
    const char *root = getenv("TCVM_SHARED_DIR");
    if (root == NULL || root[0] == '\0')
        root = TCVM_SHARED_DIR;
    snprintf(buf, size, "%s/%s", root, rel);
    struct stat st;
    if (stat(buf, &st) != 0) {
        fprintf(stderr, "shared test data missing: %s\n", buf);
        return NULL;
    }
    return buf;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; tests[i].name; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    if (argc > 1) {
        for (size_t i = 0; tests[i].name; i++) {
            if (strcmp(tests[i].name, argv[1]) == 0) {
                tests[i].fn();
                return 0;
            }
        }
        fprintf(stderr, "no test named %s\n", argv[1]);
        return 2;
    }
    size_t n = 0;
    for (size_t i = 0; tests[i].name; i++, n++) {
        fprintf(stderr, "== %s\n", tests[i].name);
        tests[i].fn();
    }
    printf("%zu passed, 0 failed\n", n);
    return 0;
}
