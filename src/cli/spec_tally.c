/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verdicts of one spec script, shared by the core runner (spec_run.c) and the component
 * runner (spec_component.c): counts per command kind, the first failures described, and the
 * skips grouped by reason, printed under the file's one-line result.
 */
#include "cli/spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
