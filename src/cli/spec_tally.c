/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the core runner (spec_run.c) and the component runner (spec_component.c) share: the
 * verdicts of one script (counts per command kind, the first failures described, the skips
 * grouped by reason, printed under the file's one-line result), and running the tool that
 * converts a script into JSON and binaries (wast2json, wast-parse.mjs).
 */
#include "cli/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void copy_text(char *out, size_t size, const char *text)
{
    snprintf(out, size, "%s", text);
}

void spec_tally_pass(spec_tally_t *t, spec_kind_t kind)
{
    t->counts.passed++;
    t->counts.kind[kind][0]++;
}

void spec_tally_vfail(spec_tally_t *t, spec_kind_t kind, unsigned line, const char *fmt,
                      va_list ap)
{
    t->counts.failed++;
    t->counts.kind[kind][1]++;
    if (!t->opt->verbose && t->described >= t->opt->show) return;
    char text[1024];
    vsnprintf(text, sizeof text, fmt, ap);
    /* out of memory for the report only loses the description, not the count */
    if (tcvm__buf_printf(&t->report, "  line %u: %s: %s\n", line, spec_kind_name(kind), text) ==
        TCVM_OK)
        t->described++;
}

void spec_tally_group(spec_tally_t *t, const char *key, unsigned long count)
{
    for (size_t i = 0; i < t->skip_kinds; i++) {
        if (strcmp(t->skips[i].text, key) == 0) {
            t->skips[i].count += count;
            return;
        }
    }
    if (t->skip_kinds < SPEC_MAX_SKIP_REASONS) {
        copy_text(t->skips[t->skip_kinds].text, sizeof t->skips[0].text, key);
        t->skips[t->skip_kinds++].count = count;
    } else {
        t->other_skips += count;
    }
}

void spec_tally_skip(spec_tally_t *t, spec_kind_t kind, unsigned line, const char *reason,
                     const char *key)
{
    t->counts.skipped++;
    t->counts.kind[kind][2]++;
    if (t->opt->verbose)
        tcvm__buf_printf(&t->report, "  line %u: %s: skipped: %s\n", line, spec_kind_name(kind),
                         reason);
    spec_tally_group(t, key, 1);
}

void spec_tally_skip_all(spec_tally_t *t, const char *reason)
{
    for (int k = 0; k < SPEC_KIND_COUNT; k++) {
        t->counts.kind[k][2] += t->counts.kind[k][0];
        t->counts.kind[k][0] = 0;
    }
    unsigned long moved = t->counts.passed;
    t->counts.passed = 0;
    t->counts.skipped += moved;
    spec_tally_group(t, reason, moved);
}

void spec_tally_print(const spec_tally_t *t, const char *display)
{
    const spec_counts_t *c = &t->counts;
    const char *verdict = c->failed ? "FAIL" : (c->passed == 0 && c->skipped > 0 ? "SKIP" : "PASS");
    printf("%s %s: %lu passed, %lu failed, %lu skipped\n", verdict, display, c->passed, c->failed,
           c->skipped);
    if (t->report.size > 0) fwrite(t->report.data, 1, t->report.size, stdout);
    if (c->failed > t->described)
        printf("  ... and %lu more failures (--verbose shows all)\n", c->failed - t->described);
    for (size_t i = 0; i < t->skip_kinds; i++)
        printf("  skipped %lu: %s\n", t->skips[i].count, t->skips[i].text);
    if (t->other_skips) printf("  skipped %lu for other reasons\n", t->other_skips);
}

void spec_tally_free(spec_tally_t *t)
{
    tcvm__buf_free(&t->report);
}

bool spec_run_converter(char *const argv[], const char *name, const char *log, const char *hint,
                        char *why, size_t why_size)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        snprintf(why, why_size, "posix_spawn_file_actions_init failed");
        return false;
    }
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(why, why_size, "cannot run %s: %s%s", argv[0], strerror(rc),
                 rc == ENOENT ? hint : "");
        return false;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, why_size, "waitpid: %s", strerror(errno));
            return false;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    char first[200] = "";
    FILE *lf = fopen(log, "r");
    if (lf != NULL) {
        if (fgets(first, sizeof first, lf) == NULL) first[0] = '\0';
        fclose(lf);
        first[strcspn(first, "\n")] = '\0';
    }
    if (WIFEXITED(status))
        snprintf(why, why_size, "%s failed (exit %d): %s", name, WEXITSTATUS(status), first);
    else
        snprintf(why, why_size, "%s was killed by signal %d", name,
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return false;
}
