/* SPDX-License-Identifier: Apache-2.0
 * The aggregate component (`aggregate`, the job's entry): runs both hospitals' preparations over
 * the manifest's channels, then writes the cohort statistics every party receives
 * (`aggregate-stats`): per hospital and overall, the number of patients, the share at high risk
 * and the mean score, and the distribution of scores. No patient-level data passes through it.
 */
#include "guest.h"

IMPORT("tcvm:demo/hospital-a@0.1.0", "run") void hospital_a_run(list_t *ret);
IMPORT("tcvm:demo/hospital-b@0.1.0", "run") void hospital_b_run(list_t *ret);

static char text[4096];

static char *cohort(char *p, const char *name, const uint64_t *s)
{
    p = put_str(p, name);
    p = put_str(p, ": ");
    p = put_u64(p, s[0]);
    p = put_str(p, " patients, ");
    p = put_u64(p, s[0] ? s[1] * 1000 / s[0] / 10 : 0);
    p = put_str(p, ".");
    p = put_u64(p, s[0] ? s[1] * 1000 / s[0] % 10 : 0);
    p = put_str(p, "% at high risk (score >= 700), mean score ");
    p = put_u64(p, s[0] ? s[2] / s[0] : 0);
    p = put_str(p, "\n  scores  ");
    for (int b = 0; b < 10; b++) {
        p = put_u64(p, (uint64_t)b * 100);
        p = put_str(p, "+:");
        p = put_u64(p, s[3 + b]);
        p = put_str(p, b < 9 ? "  " : "\n");
    }
    return p;
}

EXPORT("run") void *run(void)
{
    static struct {
        uint32_t tag;
        const char *ptr;
        uint32_t len;
    } result;
    list_t a, b;
    hospital_a_run(&a);
    hospital_b_run(&b);
    if (a.len != 13 || b.len != 13) {
        static const char bad[] = "a preparation returned a malformed summary";
        result.tag = 1;
        result.ptr = bad;
        result.len = sizeof bad - 1;
        return &result;
    }
    const uint64_t *sa = a.ptr, *sb = b.ptr;
    uint64_t all[13];
    for (int i = 0; i < 13; i++)
        all[i] = sa[i] + sb[i];
    char *p = put_str(text, "ICU deterioration risk: cohort statistics\n");
    p = cohort(p, "hospital A", sa);
    p = cohort(p, "hospital B", sb);
    p = cohort(p, "both", all);
    host_output_write("aggregate-stats", 15, text, (uint32_t)(p - text));
    log_str("aggregate: statistics written");
    result.tag = 0;
    return &result;
}
