/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's transcript: JSON-line records chained by SHA-256 and a head signed with the
 * runtime's Ed25519 key (docs/transcript.md). Writing builds each record line with jansson in a
 * fixed key order and hashes the exact bytes; verifying hashes the exact bytes it is given, so
 * no canonical form is ever needed. Verification checks the head signature first, then walks
 * the chain and names the first record and line where it breaks.
 */
#include "base/base.h"
#include "crypto/codec.h"
#include "crypto/crypto.h"
#include "crypto/io.h"
#include "tcvm/transcript.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MALFORMED TCVM_TRANSCRIPT_MALFORMED
#define BROKEN TCVM_TRANSCRIPT_BROKEN
#define MAX_TYPE 64
#define MAX_FIELD_NAME 64
#define MAX_STRING 4096
#define MAX_BYTES 4096

typedef struct record {
    size_t off, size; /* the line in text, without its LF */
    size_t type_off;  /* NUL-terminated type in types */
    uint64_t time_ms;
} record_t;

struct tcvm_transcript {
    const tcvm_sign_key_t *key; /* NULL for a loaded transcript */
    tcvm_buf_t text;            /* every record line, each ended by LF */
    tcvm_buf_t types;
    record_t *recs;
    size_t count, cap;
    uint8_t last[32];
    uint64_t last_time;
    bool closed;
    uint64_t head_time; /* loaded: the signed head */
    bool head_final;
    tcvm_error_t error;
};

/* ---- shared pieces -----------------------------------------------------------------------------
 */

static bool type_valid(const char *s, size_t len)
{
    if (len == 0 || len > MAX_TYPE) return false;
    bool word_start = true;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (word_start) {
            if (c < 'a' || c > 'z') return false;
            word_start = false;
        } else if (c == '.') {
            word_start = true;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return !word_start;
}

static bool field_name_valid(const char *s, size_t len)
{
    if (len == 0 || len > MAX_FIELD_NAME || s[0] < 'a' || s[0] > 'z') return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

static tcvm_status_t record_hash(const char *line, size_t size, uint8_t out[32])
{
    static const char tag[] = TCVM_TRANSCRIPT_RECORD_TAG;
    tcvm_hash_ctx_t *h;
    tcvm_status_t st = tcvm__hash_init(TCVM_HASH_SHA256, &h);
    if (st != TCVM_OK) return st;
    /* the tag and its NUL: a record hash is never a hash of anything else */
    if ((st = tcvm__hash_update(h, tag, sizeof tag)) != TCVM_OK ||
        (st = tcvm__hash_update(h, line, size)) != TCVM_OK) {
        tcvm__hash_free(h);
        return st;
    }
    return tcvm__hash_final(h, out);
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void head_message(uint64_t count, const uint8_t last[32], uint64_t time_ms, bool final,
                         uint8_t out[TCVM_TRANSCRIPT_HEAD_MESSAGE_SIZE])
{
    static const char tag[] = TCVM_TRANSCRIPT_HEAD_TAG;
    _Static_assert(sizeof tag + 8 + 32 + 8 + 1 == TCVM_TRANSCRIPT_HEAD_MESSAGE_SIZE,
                   "head message layout");
    memcpy(out, tag, sizeof tag); /* with its NUL */
    put_be64(out + sizeof tag, count);
    memcpy(out + sizeof tag + 8, last, 32);
    put_be64(out + sizeof tag + 40, time_ms);
    out[sizeof tag + 48] = final ? 1 : 0;
}

void tcvm_transcript_format_time(uint64_t time_ms, char out[32])
{
    time_t secs = (time_t)(time_ms / 1000);
    struct tm tm;
    if (time_ms / 1000 > (uint64_t)253402300799 || gmtime_r(&secs, &tm) == NULL) {
        snprintf(out, 32, "invalid");
        return;
    }
    int n =
        snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(time_ms % 1000));
    if (n != 24) snprintf(out, 32, "invalid");
}

static unsigned digits_at(const char *s, size_t at, size_t n)
{
    unsigned v = 0;
    for (size_t i = at; i < at + n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

/* Parses exactly "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, years 1970 to 9999). */
static bool parse_time(const char *s, size_t len, uint64_t *out)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (len != sizeof shape - 1) return false;
    for (size_t i = 0; i < len; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i]) return false;
    }
    unsigned year = digits_at(s, 0, 4), mon = digits_at(s, 5, 2), day = digits_at(s, 8, 2),
             hour = digits_at(s, 11, 2), min = digits_at(s, 14, 2), sec = digits_at(s, 17, 2),
             ms = digits_at(s, 20, 3);
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1970 || mon < 1 || mon > 12 || day < 1 ||
        day > mdays[mon - 1] + (mon == 2 && leap) || hour > 23 || min > 59 || sec > 59)
        return false;
    struct tm tm = {0};
    tm.tm_year = (int)year - 1900;
    tm.tm_mon = (int)mon - 1;
    tm.tm_mday = (int)day;
    tm.tm_hour = (int)hour;
    tm.tm_min = (int)min;
    tm.tm_sec = (int)sec;
    time_t t = timegm(&tm);
    if (t < 0) return false;
    *out = (uint64_t)t * 1000 + ms;
    return true;
}

static tcvm_status_t push_record(tcvm_transcript_t *t, const char *line, size_t size,
                                 const char *type, uint64_t time_ms)
{
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        record_t *grown = tcvm__reallocarray(t->recs, cap, sizeof *grown);
        if (grown == NULL) return TCVM_ENOMEM;
        t->recs = grown;
        t->cap = cap;
    }
    record_t r = {t->text.size, size, t->types.size, time_ms};
    tcvm_status_t st = tcvm__buf_append(&t->text, line, size);
    if (st == TCVM_OK) st = tcvm__buf_append(&t->text, "\n", 1);
    if (st == TCVM_OK) st = tcvm__buf_append(&t->types, type, strlen(type) + 1);
    if (st != TCVM_OK) {
        t->text.size = r.off;
        t->types.size = r.type_off;
        return st;
    }
    t->recs[t->count++] = r;
    return TCVM_OK;
}

/* ---- writing -----------------------------------------------------------------------------------
 */

tcvm_status_t tcvm_transcript_create(const tcvm_sign_key_t *key, tcvm_transcript_t **out)
{
    if (key == NULL) return TCVM_EINVAL;
    tcvm_transcript_t *t = tcvm__calloc(1, sizeof *t);
    if (t == NULL) return TCVM_ENOMEM;
    t->key = key;
    *out = t;
    return TCVM_OK;
}

static json_t *field_value(tcvm_transcript_t *t, const tcvm_transcript_field_t *f)
{
    switch (f->kind) {
    case TCVM_TFIELD_STRING: {
        size_t len = f->str ? strlen(f->str) : 0;
        if (f->str == NULL || len > MAX_STRING) {
            tcvm__errorf(&t->error, TCVM_EINVAL, "transcript: field %s: %s", f->name,
                         f->str ? "string longer than 4096 bytes" : "no string");
            return NULL;
        }
        json_t *v = json_stringn(f->str, len); /* NULL for invalid UTF-8 */
        if (v == NULL)
            tcvm__errorf(&t->error, TCVM_EINVAL, "transcript: field %s: not UTF-8 text", f->name);
        return v;
    }
    case TCVM_TFIELD_UINT:
        if (f->uint > (uint64_t)INT64_MAX) {
            tcvm__errorf(&t->error, TCVM_EINVAL, "transcript: field %s: larger than 2^63-1",
                         f->name);
            return NULL;
        }
        return json_integer((json_int_t)f->uint);
    case TCVM_TFIELD_BYTES: {
        if (f->size > MAX_BYTES || (f->bytes == NULL && f->size > 0)) {
            tcvm__errorf(&t->error, TCVM_EINVAL, "transcript: field %s: more than %d bytes",
                         f->name, MAX_BYTES);
            return NULL;
        }
        char *hex = tcvm__malloc(2 * f->size + 1);
        if (hex == NULL) return NULL;
        tcvm__hex_encode(f->bytes, f->size, hex, 2 * f->size + 1);
        json_t *v = json_string(hex);
        tcvm__free(hex);
        return v;
    }
    case TCVM_TFIELD_BOOL:
        return json_boolean(f->boolean);
    }
    tcvm__errorf(&t->error, TCVM_EINVAL, "transcript: field %s: unknown kind %d", f->name,
                 (int)f->kind);
    return NULL;
}

tcvm_status_t tcvm_transcript_append_at(tcvm_transcript_t *t, uint64_t time_ms, const char *type,
                                        const tcvm_transcript_field_t *fields, size_t count)
{
    if (t->key == NULL || t->closed)
        return tcvm__errorf(&t->error, TCVM_ESTATE, "transcript: %s",
                            t->key == NULL ? "a loaded transcript is read-only"
                                           : "closed: no more records");
    if (type == NULL || !type_valid(type, strlen(type)))
        return tcvm__errorf(&t->error, TCVM_EINVAL,
                            "transcript: event type \"%.64s\" is not lowercase words of a-z, "
                            "0-9, '-' joined by '.'",
                            type ? type : "");
    if (count > TCVM_TRANSCRIPT_MAX_FIELDS || t->count >= TCVM_TRANSCRIPT_MAX_RECORDS)
        return tcvm__errorf(&t->error, TCVM_ELIMIT, "transcript: %s",
                            count > TCVM_TRANSCRIPT_MAX_FIELDS ? "too many fields in one event"
                                                               : "too many records");
    if (time_ms < t->last_time)
        return tcvm__errorf(&t->error, TCVM_EINVAL,
                            "transcript: time goes back before the last record's");
    if (time_ms / 1000 > (uint64_t)253402300799)
        return tcvm__errorf(&t->error, TCVM_EINVAL, "transcript: time after the year 9999");
    tcvm_status_t st = TCVM_ENOMEM;
    char when[32], prev[65];
    tcvm_transcript_format_time(time_ms, when);
    tcvm__hex_encode(t->last, 32, prev, sizeof prev);
    json_t *rec = json_object(), *fobj = json_object();
    char *line = NULL;
    if (rec == NULL || fobj == NULL) goto done;
    /* the key order of every record: seq, time, type, prev, fields */
    if (json_object_set_new(rec, "seq", json_integer((json_int_t)t->count)) != 0 ||
        json_object_set_new(rec, "time", json_string(when)) != 0 ||
        json_object_set_new(rec, "type", json_string(type)) != 0 ||
        json_object_set_new(rec, "prev", json_string(prev)) != 0 ||
        json_object_set(rec, "fields", fobj) != 0)
        goto done;
    for (size_t i = 0; i < count; i++) {
        const tcvm_transcript_field_t *f = &fields[i];
        if (f->name == NULL || !field_name_valid(f->name, strlen(f->name))) {
            st = tcvm__errorf(&t->error, TCVM_EINVAL,
                              "transcript: field name \"%.64s\" is not [a-z][a-z0-9_]*",
                              f->name ? f->name : "");
            goto done;
        }
        if (json_object_get(fobj, f->name) != NULL) {
            st = tcvm__errorf(&t->error, TCVM_EINVAL, "transcript: field %s given twice", f->name);
            goto done;
        }
        json_t *v = field_value(t, f);
        if (v == NULL) {
            st = t->error.status == TCVM_EINVAL ? TCVM_EINVAL : TCVM_ENOMEM;
            goto done;
        }
        if (json_object_set_new(fobj, f->name, v) != 0) goto done;
    }
    line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (line == NULL) goto done;
    size_t size = strlen(line);
    if (size > TCVM_TRANSCRIPT_MAX_RECORD_SIZE) {
        st = tcvm__errorf(&t->error, TCVM_ELIMIT, "transcript: record longer than %zu bytes",
                          TCVM_TRANSCRIPT_MAX_RECORD_SIZE);
        goto done;
    }
    uint8_t hash[32];
    if ((st = record_hash(line, size, hash)) != TCVM_OK ||
        (st = push_record(t, line, size, type, time_ms)) != TCVM_OK)
        goto done;
    memcpy(t->last, hash, 32);
    t->last_time = time_ms;
done:
    if (st == TCVM_ENOMEM) tcvm__errorf(&t->error, st, "transcript: out of memory");
    free(line); /* from jansson's allocator */
    json_decref(fobj);
    json_decref(rec);
    return st;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0) return 0;
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

tcvm_status_t tcvm_transcript_append(tcvm_transcript_t *t, const char *type,
                                     const tcvm_transcript_field_t *fields, size_t count)
{
    uint64_t now = now_ms();
    return tcvm_transcript_append_at(t, now < t->last_time ? t->last_time : now, type, fields,
                                     count);
}

void tcvm_transcript_close(tcvm_transcript_t *t)
{
    t->closed = true;
}

size_t tcvm_transcript_count(const tcvm_transcript_t *t)
{
    return t->count;
}

void tcvm_transcript_last_hash(const tcvm_transcript_t *t, uint8_t out[32])
{
    memcpy(out, t->last, 32);
}

tcvm_status_t tcvm_transcript_record(const tcvm_transcript_t *t, size_t index,
                                     const char **out_line, size_t *out_size)
{
    if (index >= t->count) return TCVM_ENOENT;
    *out_line = (const char *)t->text.data + t->recs[index].off;
    *out_size = t->recs[index].size;
    return TCVM_OK;
}

tcvm_status_t tcvm_transcript_record_info(const tcvm_transcript_t *t, size_t index,
                                          uint64_t *out_time_ms, const char **out_type)
{
    if (index >= t->count) return TCVM_ENOENT;
    *out_time_ms = t->recs[index].time_ms;
    *out_type = (const char *)t->types.data + t->recs[index].type_off;
    return TCVM_OK;
}

tcvm_status_t tcvm_transcript_serialize(tcvm_transcript_t *t, char **out, size_t *out_size)
{
    if (t->key == NULL)
        return tcvm__errorf(&t->error, TCVM_ESTATE,
                            "transcript: only the runtime that holds the key signs a head");
    uint64_t now = now_ms();
    uint64_t when = now < t->last_time ? t->last_time : now;
    uint8_t msg[TCVM_TRANSCRIPT_HEAD_MESSAGE_SIZE], sig[64], pub[32];
    head_message(t->count, t->last, when, t->closed, msg);
    tcvm_status_t st = tcvm_sign_key_sign(t->key, msg, sizeof msg, sig);
    if (st != TCVM_OK) return tcvm__errorf(&t->error, st, "transcript: signing the head failed");
    tcvm_sign_key_public(t->key, pub);
    char key_text[TCVM_SIGN_PUBLIC_TEXT_SIZE], sig_b64[89], last[65], time_text[32];
    tcvm_sign_public_format(pub, key_text);
    tcvm__b64_encode(sig, sizeof sig, true, sig_b64);
    tcvm__hex_encode(t->last, 32, last, sizeof last);
    tcvm_transcript_format_time(when, time_text);
    tcvm_buf_t b = {0};
    st = tcvm__buf_append(&b, t->text.data ? (const char *)t->text.data : "", t->text.size);
    /* every value is from a fixed alphabet: no escaping needed */
    if (st == TCVM_OK)
        st = tcvm__buf_printf(&b,
                              "{\"head\":{\"count\":%zu,\"last\":\"%s\",\"time\":\"%s\","
                              "\"final\":%s},\"key\":\"%s\",\"signature\":\"%s\"}\n",
                              t->count, last, time_text, t->closed ? "true" : "false", key_text,
                              sig_b64);
    if (st == TCVM_OK) st = tcvm__buf_append(&b, "", 1);
    if (st != TCVM_OK) {
        tcvm__buf_free(&b);
        return tcvm__errorf(&t->error, st, "transcript: out of memory");
    }
    *out = (char *)b.data;
    *out_size = b.size - 1;
    return TCVM_OK;
}

/* ---- verifying ---------------------------------------------------------------------------------
 */

typedef struct line {
    const char *p;
    size_t len;
} line_t;

/* Exactly these members, and no others. */
static bool has_exactly(json_t *o, const char *const names[], size_t n)
{
    if (!json_is_object(o) || json_object_size(o) != n) return false;
    for (size_t i = 0; i < n; i++) {
        if (json_object_get(o, names[i]) == NULL) return false;
    }
    return true;
}

static bool hex32(json_t *v, uint8_t out[32])
{
    return json_is_string(v) && json_string_length(v) == 64 &&
           tcvm__hex_decode(json_string_value(v), 64, out, 32);
}

typedef struct head {
    uint64_t count, time_ms;
    uint8_t last[32];
    bool final;
    uint8_t named_key[32];
    uint8_t sig[64];
} head_t;

/* Reads the shape and values of the head line; its signature is checked by verify_head. */
static tcvm_status_t read_head(const line_t *l, size_t lineno, head_t *h, tcvm_error_t *err)
{
    static const char *const top[] = {"head", "key", "signature"};
    static const char *const inner[] = {"count", "last", "time", "final"};
    json_error_t jerr;
    json_t *o = json_loadb(l->p, l->len, JSON_REJECT_DUPLICATES, &jerr);
    tcvm_status_t st = MALFORMED;
    if (o == NULL || !has_exactly(o, top, 3) ||
        !has_exactly(json_object_get(o, "head"), inner, 4)) {
        tcvm__errorf(err, st,
                     "line %zu: the last line must be the signed head "
                     "{\"head\":{count,last,time,final},\"key\",\"signature\"}",
                     lineno);
        goto done;
    }
    json_t *hd = json_object_get(o, "head"), *v;
    size_t n = 0;
    v = json_object_get(hd, "count");
    bool ok = json_is_integer(v) && json_integer_value(v) >= 0;
    h->count = ok ? (uint64_t)json_integer_value(v) : 0;
    ok = ok && hex32(json_object_get(hd, "last"), h->last);
    v = json_object_get(hd, "time");
    ok = ok && json_is_string(v) &&
         parse_time(json_string_value(v), json_string_length(v), &h->time_ms);
    v = json_object_get(hd, "final");
    ok = ok && json_is_boolean(v);
    h->final = json_is_true(v);
    v = json_object_get(o, "key");
    ok = ok && json_is_string(v) &&
         tcvm_sign_public_parse(json_string_value(v), json_string_length(v), h->named_key, NULL) ==
             TCVM_OK;
    v = json_object_get(o, "signature");
    ok = ok && json_is_string(v) &&
         tcvm__b64_decode(json_string_value(v), json_string_length(v), true, h->sig, sizeof h->sig,
                          &n) &&
         n == 64;
    if (!ok) {
        tcvm__errorf(err, st, "line %zu (head): a value is malformed", lineno);
        goto done;
    }
    st = TCVM_OK;
done:
    json_decref(o);
    return st;
}

static tcvm_status_t verify_head(const head_t *h, size_t lineno, const uint8_t key[32],
                                 tcvm_error_t *err)
{
    if (memcmp(h->named_key, key, 32) != 0) {
        char have[TCVM_SIGN_PUBLIC_TEXT_SIZE], want[TCVM_SIGN_PUBLIC_TEXT_SIZE];
        tcvm_sign_public_format(h->named_key, have);
        tcvm_sign_public_format(key, want);
        return tcvm__errorf(err, BROKEN, "line %zu (head): signed by %s, not by the runtime key %s",
                            lineno, have, want);
    }
    uint8_t msg[TCVM_TRANSCRIPT_HEAD_MESSAGE_SIZE];
    head_message(h->count, h->last, h->time_ms, h->final, msg);
    if (tcvm_sign_verify(key, msg, sizeof msg, h->sig) != TCVM_OK)
        return tcvm__errorf(err, BROKEN,
                            "line %zu (head): the signature does not verify with the runtime key: "
                            "the head was altered",
                            lineno);
    return TCVM_OK;
}

/* The seq of a record line, if it parses; for naming where a misplaced record went. */
static bool seq_of(const line_t *l, uint64_t *out)
{
    json_t *o = json_loadb(l->p, l->len, 0, NULL);
    json_t *v = json_object_get(o, "seq");
    bool ok = json_is_integer(v) && json_integer_value(v) >= 0;
    if (ok) *out = (uint64_t)json_integer_value(v);
    json_decref(o);
    return ok;
}

static tcvm_status_t misplaced(const line_t *lines, size_t count, size_t i, uint64_t seq,
                               tcvm_error_t *err)
{
    for (size_t k = i + 1; k < count; k++) {
        uint64_t s;
        if (seq_of(&lines[k], &s) && s == i)
            return tcvm__errorf(err, BROKEN,
                                "records are out of order: line %zu holds record %llu where "
                                "record %zu belongs (record %zu is at line %zu)",
                                i + 1, (unsigned long long)seq, i, i, k + 1);
    }
    if (seq > i)
        return tcvm__errorf(err, BROKEN,
                            "record %zu is missing: line %zu holds record %llu (records %zu to "
                            "%llu were removed)",
                            i, i + 1, (unsigned long long)seq, i, (unsigned long long)seq - 1);
    return tcvm__errorf(err, BROKEN,
                        "line %zu holds record %llu again, where record %zu belongs (a record "
                        "was repeated or moved)",
                        i + 1, (unsigned long long)seq, i);
}

/* Checks record i (line i + 1) and appends it to t. */
static tcvm_status_t read_record(tcvm_transcript_t *t, const line_t *lines, size_t count, size_t i,
                                 tcvm_error_t *err)
{
    static const char *const names[] = {"seq", "time", "type", "prev", "fields"};
    const line_t *l = &lines[i];
    json_error_t jerr;
    json_t *o = json_loadb(l->p, l->len, JSON_REJECT_DUPLICATES, &jerr);
    tcvm_status_t st = MALFORMED;
    if (o == NULL) {
        tcvm__errorf(err, st, "record %zu (line %zu), column %d: not JSON: %s", i, i + 1,
                     jerr.column, jerr.text);
        goto done;
    }
    if (!has_exactly(o, names, 5)) {
        tcvm__errorf(err, st,
                     "record %zu (line %zu): a record has exactly seq, time, type, prev, fields", i,
                     i + 1);
        goto done;
    }
    json_t *v = json_object_get(o, "seq");
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        tcvm__errorf(err, st, "record %zu (line %zu): seq must be a non-negative integer", i,
                     i + 1);
        goto done;
    }
    uint64_t seq = (uint64_t)json_integer_value(v);
    if (seq != i) {
        st = misplaced(lines, count, i, seq, err);
        goto done;
    }
    uint64_t time_ms;
    v = json_object_get(o, "time");
    if (!json_is_string(v) || !parse_time(json_string_value(v), json_string_length(v), &time_ms)) {
        tcvm__errorf(err, st, "record %zu (line %zu): time must be \"YYYY-MM-DDTHH:MM:SS.mmmZ\"", i,
                     i + 1);
        goto done;
    }
    v = json_object_get(o, "type");
    if (!json_is_string(v) || !type_valid(json_string_value(v), json_string_length(v))) {
        tcvm__errorf(err, st, "record %zu (line %zu): type must be lowercase words joined by '.'",
                     i, i + 1);
        goto done;
    }
    const char *type = json_string_value(v);
    json_t *fields = json_object_get(o, "fields");
    if (!json_is_object(fields) || json_object_size(fields) > TCVM_TRANSCRIPT_MAX_FIELDS) {
        tcvm__errorf(err, st,
                     "record %zu (line %zu): fields must be an object of at most %u "
                     "fields",
                     i, i + 1, TCVM_TRANSCRIPT_MAX_FIELDS);
        goto done;
    }
    const char *name;
    json_object_foreach(fields, name, v)
    {
        if (!field_name_valid(name, strlen(name)) ||
            !(json_is_string(v) || (json_is_integer(v) && json_integer_value(v) >= 0) ||
              json_is_boolean(v))) {
            tcvm__errorf(err, st,
                         "record %zu (line %zu): field \"%.64s\": names are [a-z][a-z0-9_]*, "
                         "values strings, non-negative integers or booleans",
                         i, i + 1, name);
            goto done;
        }
    }
    uint8_t prev[32];
    if (!hex32(json_object_get(o, "prev"), prev)) {
        tcvm__errorf(err, st, "record %zu (line %zu): prev must be 64 hex digits", i, i + 1);
        goto done;
    }
    st = BROKEN;
    if (memcmp(prev, t->last, 32) != 0) {
        if (i == 0)
            tcvm__errorf(err, st,
                         "record 0 (line 1): prev must be zero for the first record: it "
                         "was altered, or records before it were removed");
        else
            tcvm__errorf(err, st,
                         "the chain breaks between record %zu (line %zu) and record %zu (line "
                         "%zu): record %zu's prev is not the hash of record %zu, so one of them "
                         "was altered",
                         i - 1, i, i, i + 1, i, i - 1);
        goto done;
    }
    if (i > 0 && time_ms < t->last_time) {
        tcvm__errorf(err, st, "record %zu (line %zu): earlier than record %zu: out of order", i,
                     i + 1, i - 1);
        goto done;
    }
    if ((st = record_hash(l->p, l->len, t->last)) != TCVM_OK ||
        (st = push_record(t, l->p, l->len, type, time_ms)) != TCVM_OK) {
        tcvm__errorf(err, st, "transcript: %s", tcvm_status_message(st));
        goto done;
    }
    t->last_time = time_ms;
    st = TCVM_OK;
done:
    json_decref(o);
    return st;
}

tcvm_status_t tcvm_transcript_load(const uint8_t *data, size_t size, const uint8_t runtime_key[32],
                                   tcvm_transcript_t **out, tcvm_error_t *err)
{
    if (size > TCVM_TRANSCRIPT_MAX_SIZE)
        return tcvm__errorf(err, MALFORMED, "transcript larger than %zu bytes",
                            TCVM_TRANSCRIPT_MAX_SIZE);
    if (size == 0 || data[size - 1] != '\n')
        return tcvm__errorf(err, MALFORMED,
                            "transcript is empty or does not end with a line feed (cut short?)");
    if (memchr(data, '\0', size) != NULL)
        return tcvm__errorf(err, MALFORMED, "transcript contains a NUL byte");
    size_t count = 0;
    for (size_t i = 0; i < size; i++)
        count += data[i] == '\n';
    if (count - 1 > TCVM_TRANSCRIPT_MAX_RECORDS)
        return tcvm__errorf(err, MALFORMED, "transcript has more than %u records",
                            TCVM_TRANSCRIPT_MAX_RECORDS);
    line_t *lines = tcvm__calloc(count, sizeof *lines);
    tcvm_transcript_t *t = tcvm__calloc(1, sizeof *t);
    tcvm_status_t st = TCVM_ENOMEM;
    if (lines == NULL || t == NULL) {
        tcvm__errorf(err, st, "transcript: out of memory");
        goto fail;
    }
    size_t start = 0, n = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] != '\n') continue;
        lines[n].p = (const char *)data + start;
        lines[n].len = i - start;
        if (lines[n].len == 0 || lines[n].len > TCVM_TRANSCRIPT_MAX_RECORD_SIZE) {
            st = tcvm__errorf(err, MALFORMED, "line %zu: %s", n + 1,
                              lines[n].len ? "longer than the record limit" : "empty line");
            goto fail;
        }
        n++;
        start = i + 1;
    }
    /* every line is read (and the chain walked) before the signature is checked: the verdict
     * is the same in either order, and a broken chain is the more precise report */
    head_t h;
    if ((st = read_head(&lines[count - 1], count, &h, err)) != TCVM_OK) goto fail;
    size_t records = count - 1;
    for (size_t i = 0; i < records; i++) {
        if ((st = read_record(t, lines, records, i, err)) != TCVM_OK) goto fail;
    }
    if ((st = verify_head(&h, count, runtime_key, err)) != TCVM_OK) goto fail;
    st = BROKEN;
    if (h.count > records) {
        tcvm__errorf(err, st,
                     "the signed head covers %llu records but the transcript holds %zu: records "
                     "%zu to %llu were removed from the end",
                     (unsigned long long)h.count, records, records,
                     (unsigned long long)h.count - 1);
        goto fail;
    }
    if (h.count < records) {
        tcvm__errorf(err, st,
                     "the signed head covers %llu records but the transcript holds %zu: records "
                     "%llu to %zu are not covered by the signature",
                     (unsigned long long)h.count, records, (unsigned long long)h.count,
                     records - 1);
        goto fail;
    }
    if (memcmp(h.last, t->last, 32) != 0) {
        tcvm__errorf(err, st,
                     "record %zu (line %zu, the last) does not match the signed head: it was "
                     "altered",
                     records - 1, records);
        goto fail;
    }
    if (records > 0 && h.time_ms < t->last_time) {
        tcvm__errorf(err, st, "the head is signed earlier than the last record's time");
        goto fail;
    }
    t->head_time = h.time_ms;
    t->head_final = h.final;
    t->closed = true;
    tcvm__free(lines);
    *out = t;
    return TCVM_OK;
fail:
    tcvm__free(lines);
    tcvm_transcript_destroy(t);
    return st;
}

tcvm_status_t tcvm_transcript_load_file(const char *path, const uint8_t runtime_key[32],
                                        tcvm_transcript_t **out, tcvm_error_t *err)
{
    uint8_t *data;
    size_t size;
    tcvm_status_t st = tcvm__read_file(path, TCVM_TRANSCRIPT_MAX_SIZE, &data, &size, err);
    if (st != TCVM_OK) return st;
    st = tcvm_transcript_load(data, size, runtime_key, out, err);
    tcvm__free(data);
    if (st != TCVM_OK) return tcvm__error_prefix(err, st, "%s", path);
    return TCVM_OK;
}

void tcvm_transcript_head(const tcvm_transcript_t *t, uint64_t *out_time_ms, bool *out_final)
{
    *out_time_ms = t->head_time;
    *out_final = t->head_final;
}

const tcvm_error_t *tcvm_transcript_error(const tcvm_transcript_t *t)
{
    return &t->error;
}

void tcvm_transcript_destroy(tcvm_transcript_t *t)
{
    if (t == NULL) return;
    tcvm__buf_free(&t->text);
    tcvm__buf_free(&t->types);
    tcvm__free(t->recs);
    tcvm__free(t);
}
