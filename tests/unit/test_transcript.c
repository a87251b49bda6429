/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transcript: the exact record format, round trip through serialize and load, and
 * detection, with its position named, of every way a fetched transcript can be wrong: a removed,
 * reordered, inserted or altered record, a truncated end, records beyond the signed head, an
 * altered head, another key. Also the command `2cvm transcript verify`.
 */
#include "test.h"

#include "base/base.h"
#include "crypto/crypto.h"
#include "tcvm/transcript.h"

#include <sys/wait.h>
#include <unistd.h>

#define T0 1795000000000ull /* 2026-11-18T11:06:40Z, in ms */

static tcvm_sign_key_t *runtime_key(void)
{
    uint8_t seed[32];
    memset(seed, 0x5a, sizeof seed);
    tcvm_sign_key_t *k;
    CHECK_OK(tcvm_sign_key_from_seed(seed, &k));
    return k;
}

/* A transcript of n events, one second apart. */
static tcvm_transcript_t *make(tcvm_sign_key_t *key, size_t n)
{
    tcvm_transcript_t *t;
    CHECK_OK(tcvm_transcript_create(key, &t));
    uint8_t digest[32];
    memset(digest, 0xab, sizeof digest);
    for (size_t i = 0; i < n; i++) {
        tcvm_transcript_field_t f[3] = {
            TCVM_TFIELD_U64("index", i),
            TCVM_TFIELD_HEX("digest", digest, 32),
            TCVM_TFIELD_STR("who", i % 2 ? "hospital-a" : "vendor"),
        };
        CHECK_OK(tcvm_transcript_append_at(t, T0 + 1000 * i,
                                           i == 0 ? "runtime.start" : "upload.accepted", f, 3));
    }
    return t;
}

static char *text_of(tcvm_transcript_t *t)
{
    char *s;
    size_t n;
    CHECK_OK(tcvm_transcript_serialize(t, &s, &n));
    CHECK_EQ(strlen(s), n);
    return s;
}

static uint8_t key_pub[32];

static void expect_load(const char *text, tcvm_status_t want, const char *msg)
{
    tcvm_transcript_t *t = NULL;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_transcript_load((const uint8_t *)text, strlen(text), key_pub, &t, &err);
    if (st != want)
        tcvm_test_fail(__FILE__, __LINE__, "got %s (%s), want %s", tcvm_status_name(st),
                       err.message, tcvm_status_name(want));
    if (want == TCVM_OK) {
        tcvm_transcript_destroy(t);
        return;
    }
    CHECK(t == NULL);
    CHECK_CONTAINS(err.message, msg);
}

/* The lines of a serialized transcript, so tests can remove, swap and change them. */
typedef struct lines {
    char *line[64];
    size_t count;
} lines_t;

static lines_t split(const char *text)
{
    lines_t l = {{0}, 0};
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        l.line[l.count++] = strndup(p, (size_t)(nl - p));
        p = nl + 1;
    }
    return l;
}

static char *join(const lines_t *l, const size_t *order, size_t n)
{
    tcvm_buf_t b = {0};
    for (size_t i = 0; i < n; i++) {
        tcvm__buf_append(&b, l->line[order[i]], strlen(l->line[order[i]]));
        tcvm__buf_append(&b, "\n", 1);
    }
    tcvm__buf_append(&b, "", 1);
    return (char *)b.data;
}

static void free_lines(lines_t *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->line[i]);
}

TEST(transcript_record_format)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_transcript_t *t;
    CHECK_OK(tcvm_transcript_create(key, &t));
    uint8_t d[4] = {0xde, 0xad, 0xbe, 0xef};
    tcvm_transcript_field_t f[] = {
        TCVM_TFIELD_STR("participant", "h\xc3\xa9-\"a\""),
        TCVM_TFIELD_U64("size", 1048576),
        TCVM_TFIELD_HEX("sha256", d, 4),
        TCVM_TFIELD_BOOLEAN("accepted", true),
    };
    CHECK_OK(tcvm_transcript_append_at(t, 1795000000123ull, "upload.accepted", f, 4));
    const char *line;
    size_t n;
    CHECK_OK(tcvm_transcript_record(t, 0, &line, &n));
    CHECK_EQ(n, strlen("{\"seq\":0,\"time\":\"2026-11-18T11:06:40.123Z\",\"type\":\"upload."
                       "accepted\",\"prev\":\"0000000000000000000000000000000000000000000000000000"
                       "000000000000\",\"fields\":{\"participant\":\"h\\u00E9-\\\"a\\\"\",\"size\":"
                       "1048576,\"sha256\":\"deadbeef\",\"accepted\":true}}"));
    CHECK(strncmp(line,
                  "{\"seq\":0,\"time\":\"2026-11-18T11:06:40.123Z\",\"type\":\"upload.accepted\","
                  "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
                  "\"fields\":{\"participant\":\"h\\u00E9-\\\"a\\\"\",\"size\":1048576,"
                  "\"sha256\":\"deadbeef\",\"accepted\":true}}",
                  n) == 0);
    uint64_t when;
    const char *type;
    CHECK_OK(tcvm_transcript_record_info(t, 0, &when, &type));
    CHECK_EQ(when, 1795000000123ull);
    CHECK_STREQ(type, "upload.accepted");
    CHECK_STATUS(tcvm_transcript_record(t, 1, &line, &n), TCVM_ENOENT);
    /* the record hash is SHA-256 of the tag, a NUL and the exact line */
    uint8_t last[32], want[32];
    tcvm_transcript_last_hash(t, last);
    tcvm_buf_t b = {0};
    tcvm__buf_append(&b, "2cvm-transcript-record-v1", 26);
    tcvm__buf_append(&b, line, n);
    CHECK_OK(tcvm__sha256(b.data, b.size, want));
    CHECK_MEM(last, want, 32);
    tcvm__buf_free(&b);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}

TEST(transcript_round_trip)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_sign_key_public(key, key_pub);
    tcvm_transcript_t *t = make(key, 5);
    tcvm_transcript_close(t);
    CHECK_STATUS(tcvm_transcript_append(t, "late.event", NULL, 0), TCVM_ESTATE);
    char *text = text_of(t);
    tcvm_transcript_t *loaded;
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_transcript_load((const uint8_t *)text, strlen(text), key_pub, &loaded, &err));
    CHECK_EQ(tcvm_transcript_count(loaded), 5);
    uint64_t when;
    bool final;
    tcvm_transcript_head(loaded, &when, &final);
    CHECK(final);
    CHECK(when >= T0 + 4000);
    const char *type;
    CHECK_OK(tcvm_transcript_record_info(loaded, 4, &when, &type));
    CHECK_EQ(when, T0 + 4000);
    CHECK_STREQ(type, "upload.accepted");
    uint8_t a[32], b[32];
    tcvm_transcript_last_hash(t, a);
    tcvm_transcript_last_hash(loaded, b);
    CHECK_MEM(a, b, 32);
    /* a loaded transcript is read-only */
    CHECK_STATUS(tcvm_transcript_append(loaded, "x", NULL, 0), TCVM_ESTATE);
    char *s;
    size_t n;
    CHECK_STATUS(tcvm_transcript_serialize(loaded, &s, &n), TCVM_ESTATE);
    tcvm_transcript_destroy(loaded);
    tcvm_seal_free(text);
    tcvm_transcript_destroy(t);
    /* an empty transcript is a head alone */
    CHECK_OK(tcvm_transcript_create(key, &t));
    text = text_of(t);
    CHECK(strncmp(text, "{\"head\":{\"count\":0,", 19) == 0);
    expect_load(text, TCVM_OK, NULL);
    tcvm_seal_free(text);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}

TEST(transcript_detects_removed_record)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_sign_key_public(key, key_pub);
    tcvm_transcript_t *t = make(key, 5);
    char *text = text_of(t);
    lines_t l = split(text);
    size_t order[] = {0, 1, 3, 4, 5};
    char *cut = join(&l, order, 5);
    expect_load(cut, TCVM_TRANSCRIPT_BROKEN,
                "record 2 is missing: line 3 holds record 3 (records 2 to 2 were removed)");
    free(cut);
    free_lines(&l);
    tcvm_seal_free(text);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}

TEST(transcript_detects_reordered_records)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_sign_key_public(key, key_pub);
    tcvm_transcript_t *t = make(key, 5);
    char *text = text_of(t);
    lines_t l = split(text);
    size_t order[] = {0, 2, 1, 3, 4, 5};
    char *swapped = join(&l, order, 6);
    expect_load(swapped, TCVM_TRANSCRIPT_BROKEN,
                "records are out of order: line 2 holds record 2 where record 1 belongs (record "
                "1 is at line 3)");
    free(swapped);
    free_lines(&l);
    tcvm_seal_free(text);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}

TEST(transcript_detects_altered_record)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_sign_key_public(key, key_pub);
    tcvm_transcript_t *t = make(key, 5);
    char *text = text_of(t);
    /* record 1's "who" field: hospital-a -> hospital-b */
    char *at = strstr(text, "\"who\":\"hospital-a\"");
    CHECK(at != NULL);
    at[16] = 'b';
    expect_load(text, TCVM_TRANSCRIPT_BROKEN,
                "the chain breaks between record 1 (line 2) and record 2 (line 3): record 2's "
                "prev is not the hash of record 1, so one of them was altered");
    tcvm_seal_free(text);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}

TEST(transcript_detects_altered_first_and_last_record)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_sign_key_public(key, key_pub);
    tcvm_transcript_t *t = make(key, 3);
    char *text = text_of(t);
    lines_t l = split(text);
    /* the last record: its index field */
    char *idx = strstr(l.line[2], "\"index\":2");
    CHECK(idx != NULL);
    idx[8] = '7';
    size_t order[] = {0, 1, 2, 3};
    char *s = join(&l, order, 4);
    expect_load(s, TCVM_TRANSCRIPT_BROKEN,
                "record 2 (line 3, the last) does not match the signed head: it was altered");
    free(s);
    idx[8] = '2';
    /* the first record's prev */
    char *prev = strstr(l.line[0], "\"prev\":\"0000");
    prev[8] = '1';
    s = join(&l, order, 4);
    expect_load(s, TCVM_TRANSCRIPT_BROKEN,
                "record 0 (line 1): prev must be zero for the first record");
    free(s);
    free_lines(&l);
    tcvm_seal_free(text);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}

TEST(transcript_detects_truncation_and_extension)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_sign_key_public(key, key_pub);
    tcvm_transcript_t *t = make(key, 3);
    char *three = text_of(t);
    uint8_t d[1] = {1};
    tcvm_transcript_field_t f = TCVM_TFIELD_HEX("x", d, 1);
    CHECK_OK(tcvm_transcript_append_at(t, T0 + 5000, "output.sealed", &f, 1));
    CHECK_OK(tcvm_transcript_append_at(t, T0 + 6000, "runtime.done", NULL, 0));
    char *five = text_of(t);
    lines_t l3 = split(three), l5 = split(five);
    /* the head of five records over only three: the last two were cut */
    lines_t mix = {{l3.line[0], l3.line[1], l3.line[2], l5.line[5]}, 4};
    size_t order4[] = {0, 1, 2, 3};
    char *s = join(&mix, order4, 4);
    expect_load(s, TCVM_TRANSCRIPT_BROKEN,
                "the signed head covers 5 records but the transcript holds 3: records 3 to 4 were "
                "removed from the end");
    free(s);
    /* five records under the older head of three: two not covered by any signature */
    lines_t ext = {{l5.line[0], l5.line[1], l5.line[2], l5.line[3], l5.line[4], l3.line[3]}, 6};
    size_t order6[] = {0, 1, 2, 3, 4, 5};
    s = join(&ext, order6, 6);
    expect_load(s, TCVM_TRANSCRIPT_BROKEN,
                "the signed head covers 3 records but the transcript holds 5: records 3 to 4 are "
                "not covered by the signature");
    free(s);
    /* cut in the middle of a line */
    five[strlen(five) - 10] = '\0';
    expect_load(five, TCVM_TRANSCRIPT_MALFORMED, "does not end with a line feed");
    free_lines(&l3);
    free_lines(&l5);
    tcvm_seal_free(three);
    tcvm_seal_free(five);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}

TEST(transcript_detects_altered_head_and_wrong_key)
{
    tcvm_sign_key_t *key = runtime_key(), *other;
    tcvm_sign_key_public(key, key_pub);
    tcvm_transcript_t *t = make(key, 2);
    char *text = text_of(t);
    char *fin = strstr(text, "\"final\":false");
    CHECK(fin != NULL);
    memcpy(fin, "\"final\":true ", 13); /* same length; JSON allows the space */
    expect_load(text, TCVM_TRANSCRIPT_BROKEN,
                "line 3 (head): the signature does not verify with the runtime key: the head was "
                "altered");
    tcvm_seal_free(text);
    /* signed by another key, which the head names honestly */
    CHECK_OK(tcvm_sign_key_generate(&other));
    tcvm_transcript_t *forged = make(other, 2);
    text = text_of(forged);
    expect_load(text, TCVM_TRANSCRIPT_BROKEN, "line 3 (head): signed by ed25519:");
    expect_load(text, TCVM_TRANSCRIPT_BROKEN, ", not by the runtime key ed25519:");
    tcvm_seal_free(text);
    tcvm_transcript_destroy(forged);
    tcvm_sign_key_destroy(other);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}

TEST(transcript_malformed_input)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_sign_key_public(key, key_pub);
    tcvm_transcript_t *t = make(key, 2);
    char *text = text_of(t);
    lines_t l = split(text);
    expect_load("", TCVM_TRANSCRIPT_MALFORMED, "empty");
    expect_load("\n", TCVM_TRANSCRIPT_MALFORMED, "line 1: empty line");
    expect_load("{}\n", TCVM_TRANSCRIPT_MALFORMED, "line 1: the last line must be the signed head");
    size_t order[] = {0, 1, 2};
    char *orig0 = l.line[0];
    static const struct {
        const char *line, *msg;
    } bad[] = {
        {"not json", "record 0 (line 1), column 3: not JSON"},
        {"{\"seq\":0}", "record 0 (line 1): a record has exactly seq, time, type, prev, fields"},
        {"{\"seq\":-1,\"time\":0,\"type\":0,\"prev\":0,\"fields\":0}",
         "record 0 (line 1): seq must be a non-negative integer"},
        {"{\"seq\":0,\"time\":\"2026-11-18 08:26:40Z\",\"type\":0,\"prev\":0,\"fields\":0}",
         "record 0 (line 1): time must be \"YYYY-MM-DDTHH:MM:SS.mmmZ\""},
        {"{\"seq\":0,\"time\":\"2026-02-30T08:26:40.000Z\",\"type\":0,\"prev\":0,\"fields\":0}",
         "record 0 (line 1): time must be"},
        {"{\"seq\":0,\"time\":\"2026-11-18T08:26:40.000Z\",\"type\":\"Upload\",\"prev\":0,"
         "\"fields\":0}",
         "record 0 (line 1): type must be lowercase words joined by '.'"},
        {"{\"seq\":0,\"time\":\"2026-11-18T08:26:40.000Z\",\"type\":\"a.b\",\"prev\":0,"
         "\"fields\":{\"x\":[1]}}",
         "record 0 (line 1): field \"x\": names are [a-z][a-z0-9_]*, values strings, "
         "non-negative integers or booleans"},
        {"{\"seq\":0,\"time\":\"2026-11-18T08:26:40.000Z\",\"type\":\"a.b\",\"prev\":0,"
         "\"fields\":{\"n\":-1}}",
         "record 0 (line 1): field \"n\""},
        {"{\"seq\":0,\"time\":\"2026-11-18T08:26:40.000Z\",\"type\":\"a.b\",\"prev\":\"00\","
         "\"fields\":{}}",
         "record 0 (line 1): prev must be 64 hex digits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        l.line[0] = (char *)bad[i].line;
        char *s = join(&l, order, 3);
        expect_load(s, TCVM_TRANSCRIPT_MALFORMED, bad[i].msg);
        free(s);
    }
    l.line[0] = orig0;
    free_lines(&l);
    tcvm_seal_free(text);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}

TEST(transcript_append_refusals)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_transcript_t *t;
    CHECK_OK(tcvm_transcript_create(key, &t));
    CHECK_STATUS(tcvm_transcript_append_at(t, T0, "Bad Type", NULL, 0), TCVM_EINVAL);
    CHECK_CONTAINS(tcvm_transcript_error(t)->message, "event type \"Bad Type\"");
    CHECK_STATUS(tcvm_transcript_append_at(t, T0, "a..b", NULL, 0), TCVM_EINVAL);
    CHECK_STATUS(tcvm_transcript_append_at(t, T0, "a.", NULL, 0), TCVM_EINVAL);
    tcvm_transcript_field_t bad_name = TCVM_TFIELD_U64("Size", 1);
    CHECK_STATUS(tcvm_transcript_append_at(t, T0, "a.b", &bad_name, 1), TCVM_EINVAL);
    CHECK_CONTAINS(tcvm_transcript_error(t)->message, "field name \"Size\"");
    tcvm_transcript_field_t twice[2] = {TCVM_TFIELD_U64("n", 1), TCVM_TFIELD_U64("n", 2)};
    CHECK_STATUS(tcvm_transcript_append_at(t, T0, "a.b", twice, 2), TCVM_EINVAL);
    CHECK_CONTAINS(tcvm_transcript_error(t)->message, "field n given twice");
    tcvm_transcript_field_t big = TCVM_TFIELD_U64("n", UINT64_MAX);
    CHECK_STATUS(tcvm_transcript_append_at(t, T0, "a.b", &big, 1), TCVM_EINVAL);
    tcvm_transcript_field_t utf = TCVM_TFIELD_STR("s", "\xff");
    CHECK_STATUS(tcvm_transcript_append_at(t, T0, "a.b", &utf, 1), TCVM_EINVAL);
    CHECK_CONTAINS(tcvm_transcript_error(t)->message, "field s: not UTF-8 text");
    CHECK_EQ(tcvm_transcript_count(t), 0); /* nothing half-appended */
    CHECK_OK(tcvm_transcript_append_at(t, T0 + 10, "a.b", NULL, 0));
    CHECK_STATUS(tcvm_transcript_append_at(t, T0, "a.b", NULL, 0), TCVM_EINVAL);
    CHECK_CONTAINS(tcvm_transcript_error(t)->message, "time goes back");
    /* the clock-based append never goes back */
    CHECK_OK(tcvm_transcript_append(t, "a.c", NULL, 0));
    uint64_t when;
    const char *type;
    CHECK_OK(tcvm_transcript_record_info(t, 1, &when, &type));
    CHECK(when >= T0 + 10);
    CHECK_EQ(tcvm_transcript_count(t), 2);
    tcvm_transcript_destroy(t);
    CHECK_STATUS(tcvm_transcript_create(NULL, &t), TCVM_EINVAL);
    tcvm_sign_key_destroy(key);
    char out[32];
    tcvm_transcript_format_time(0, out);
    CHECK_STREQ(out, "1970-01-01T00:00:00.000Z");
}

/* Runs the CLI with a shell command line; returns its exit status. */
static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(transcript_cli_verify)
{
    tcvm_sign_key_t *key = runtime_key();
    tcvm_sign_key_public(key, key_pub);
    tcvm_transcript_t *t = make(key, 4);
    char *text = text_of(t);
    char dir[] = "/tmp/tcvm-transcript-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[300], cmd[1200], keytext[TCVM_SIGN_PUBLIC_TEXT_SIZE];
    snprintf(path, sizeof path, "%s/transcript.jsonl", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    tcvm_sign_public_format(key_pub, keytext);
    snprintf(cmd, sizeof cmd, "%s transcript verify %s --key %s > %s/out 2>&1", TCVM_CLI, path,
             keytext, dir);
    CHECK_EQ(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "grep -q '4 records, chain intact' %s/out", dir);
    CHECK_EQ(run(cmd), 0);
    /* alter record 1 */
    char *at = strstr(text, "\"index\":1");
    at[8] = '9';
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s transcript verify %s --key %s > %s/out 2>&1", TCVM_CLI, path,
             keytext, dir);
    CHECK_EQ(run(cmd), 1);
    snprintf(cmd, sizeof cmd,
             "grep -q 'transcript.jsonl: the chain breaks between record 1 (line 2) and record 2' "
             "%s/out",
             dir);
    CHECK_EQ(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s transcript verify %s > /dev/null 2>&1", TCVM_CLI, path);
    CHECK_EQ(run(cmd), 2); /* --key is required */
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ(run(cmd), 0);
    tcvm_seal_free(text);
    tcvm_transcript_destroy(t);
    tcvm_sign_key_destroy(key);
}
