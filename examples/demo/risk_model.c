/* SPDX-License-Identifier: Apache-2.0
 * The vendor's risk model (component `risk-model`). Its weights are the vendor's input
 * `model-weights`, routed to this component only: no other party ever sees them, and the
 * hospitals learn only the score of each patient they send. The weights file has one line per
 * feature, "name center weight" (integers; the name is a word without digits), and a last line
 * "bias B"; a patient's score is
 * clamp(B + sum(weight * (feature - center)) / 10, 0, 1000).
 */
#include "guest.h"

#define FEATURES 6

static int loaded;
static int32_t center[FEATURES], weight[FEATURES], bias;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads the next integer (optionally negative) at or after *p; skips words. */
static int next_int(const char **p, const char *end, int32_t *out)
{
    const char *s = *p;
    while (s < end && !is_digit(*s) && !(*s == '-' && s + 1 < end && is_digit(s[1])))
        s++;
    if (s >= end)
        return 0;
    int neg = *s == '-';
    if (neg)
        s++;
    int32_t v = 0;
    while (s < end && is_digit(*s))
        v = v * 10 + (*s++ - '0');
    *out = neg ? -v : v;
    *p = s;
    return 1;
}

static void load_weights(void)
{
    static const char id[] = "model-weights";
    uint64_t size = host_input_size(id, sizeof id - 1);
    list_t got;
    host_input_read(id, sizeof id - 1, 0, (uint32_t)size, &got);
    const char *p = got.ptr, *end = p + got.len;
    for (int i = 0; i < FEATURES; i++) {
        if (!next_int(&p, end, &center[i]) || !next_int(&p, end, &weight[i]))
            __builtin_trap(); /* malformed weights: the job fails */
    }
    if (!next_int(&p, end, &bias))
        __builtin_trap();
    loaded = 1;
    log_str("risk-model: weights loaded");
}

EXPORT("tcvm:demo/risk-model@0.1.0#score") uint32_t score(const uint32_t *features, uint32_t n)
{
    if (!loaded)
        load_weights();
    if (n != FEATURES)
        __builtin_trap();
    int64_t z = 0;
    for (int i = 0; i < FEATURES; i++)
        z += (int64_t)weight[i] * ((int64_t)features[i] - center[i]);
    z = bias + z / 10;
    return (uint32_t)(z < 0 ? 0 : z > 1000 ? 1000 : z);
}
