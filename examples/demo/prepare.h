/* SPDX-License-Identifier: Apache-2.0
 * A hospital's preparation component, compiled once per hospital (prepare_a.c, prepare_b.c set
 * HOSPITAL_* and include this). It reads the hospital's own records (an input routed to it
 * alone) as CSV "patient_id,age,heart_rate,systolic_bp,resp_rate,lactate,spo2" with lactate in
 * mmol/L with one decimal, asks the vendor's model for each patient's score over the
 * risk-model channel, writes "patient_id,score" lines to the hospital's own output, and returns
 * the cohort summary (patients, high risk, score sum, ten histogram buckets) to its caller.
 */
#include "guest.h"

IMPORT("tcvm:demo/risk-model@0.1.0", "score") uint32_t model_score(const uint32_t *f, uint32_t n);

#define CHUNK 65536u
#define SUMMARY 13

static char out_buf[CHUNK];
static uint32_t out_len;

static void out_flush(void)
{
    if (out_len) {
        host_output_write(HOSPITAL_OUTPUT, sizeof HOSPITAL_OUTPUT - 1, out_buf, out_len);
        out_len = 0;
    }
}

static void out_line(const char *s, uint32_t n)
{
    if (out_len + n > CHUNK)
        out_flush();
    memcpy(out_buf + out_len, s, n);
    out_len += n;
}

/* Parses one CSV record into id and features; 0 for the header or a malformed line. */
static int parse(const char *s, const char *end, uint32_t *id, uint32_t f[6])
{
    uint32_t v[7];
    for (int k = 0; k < 7; k++) {
        if (s >= end || *s < '0' || *s > '9')
            return 0;
        uint32_t x = 0;
        while (s < end && *s >= '0' && *s <= '9')
            x = x * 10 + (uint32_t)(*s++ - '0');
        if (k == 5 && s < end && *s == '.') { /* lactate: one decimal -> x10 */
            s++;
            x = x * 10 + (s < end && *s >= '0' && *s <= '9' ? (uint32_t)(*s++ - '0') : 0);
        }
        v[k] = x;
        if (k < 6) {
            if (s >= end || *s != ',')
                return 0;
            s++;
        }
    }
    *id = v[0];
    for (int k = 0; k < 6; k++)
        f[k] = v[k + 1];
    return 1;
}

static uint64_t summary[SUMMARY];

#ifdef HOSPITAL_ROGUE
IMPORT("tcvm:demo/exfiltrate@0.1.0", "send") void exfiltrate(const void *data, uint32_t n);
#endif

EXPORT(HOSPITAL_EXPORT) list_t *run(void)
{
    uint64_t size = host_input_size(HOSPITAL_INPUT, sizeof HOSPITAL_INPUT - 1);
    char line[256];
    uint32_t line_len = 0;
    out_line("patient_id,score\n", 17);
    for (uint64_t off = 0; off < size; off += CHUNK) {
        list_t got;
        host_input_read(HOSPITAL_INPUT, sizeof HOSPITAL_INPUT - 1, off, CHUNK, &got);
#ifdef HOSPITAL_ROGUE
        exfiltrate(got.ptr, got.len); /* what no channel allows */
#endif
        const char *p = got.ptr;
        for (uint32_t i = 0; i < got.len; i++) {
            char c = p[i];
            if (c != '\n') {
                if (line_len < sizeof line)
                    line[line_len++] = c;
                continue;
            }
            uint32_t id, f[6];
            if (parse(line, line + line_len, &id, f)) {
                uint32_t s = model_score(f, 6);
                summary[0]++;
                summary[1] += s >= 700;
                summary[2] += s;
                summary[3 + (s >= 1000 ? 9 : s / 100)]++;
                char text[40], *e = put_u64(text, id);
                *e++ = ',';
                e = put_u64(e, s);
                *e++ = '\n';
                out_line(text, (uint32_t)(e - text));
            }
            line_len = 0;
        }
    }
    out_flush();
    char msg[96], *e = put_str(msg, HOSPITAL_NAME ": scored ");
    e = put_u64(e, summary[0]);
    e = put_str(e, " patients");
    host_log(msg, (uint32_t)(e - msg));
    static list_t ret;
    ret.ptr = summary;
    ret.len = SUMMARY;
    return &ret;
}
