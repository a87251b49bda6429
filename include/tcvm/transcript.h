/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transcript: an append-only, hash-chained log of what the runtime did (lifecycle
 * transitions, accepted and refused requests, digests and sizes of what came in and went out;
 * never plaintext), whose head is signed with the runtime's Ed25519 key. Any party can fetch it
 * and verify it with the runtime's public key: verification recomputes the chain and checks the
 * signature, and names the position of a removed, reordered, inserted or altered record.
 *
 * The runtime creates a transcript with its key and appends events as it goes; serializing
 * signs the current head. The format (JSON lines, the hashes, the signed head) is specified in
 * docs/transcript.md.
 */
#ifndef TCVM_TRANSCRIPT_H
#define TCVM_TRANSCRIPT_H

#include "tcvm/common.h"
#include "tcvm/seal.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCVM_TRANSCRIPT_HASH_SIZE 32
/* "2cvm-transcript-record-v1" NUL line: the hash of a record line */
#define TCVM_TRANSCRIPT_RECORD_TAG "2cvm-transcript-record-v1"
/* "2cvm-transcript-head-v1" NUL count(8, big endian) last-hash(32) time-ms(8, big endian)
 * final(1): the message the runtime signs */
#define TCVM_TRANSCRIPT_HEAD_TAG "2cvm-transcript-head-v1"
#define TCVM_TRANSCRIPT_HEAD_MESSAGE_SIZE 73

/* The kind of value of an event field. */
typedef enum tcvm_transcript_field_kind {
    TCVM_TFIELD_STRING = 1, /* str: UTF-8 text, at most 4096 bytes */
    TCVM_TFIELD_UINT,       /* uint: 0 to 2^63 - 1 */
    TCVM_TFIELD_BYTES,      /* bytes, size: written as lowercase hex (digests, ids) */
    TCVM_TFIELD_BOOL,       /* boolean */
} tcvm_transcript_field_kind_t;

/* One field of an event: a name ([a-z][a-z0-9_]*, at most 64 bytes, unique in the event) and a
 * value. Only the member of the kind is read. */
typedef struct tcvm_transcript_field {
    const char *name;
    tcvm_transcript_field_kind_t kind;
    const char *str;
    uint64_t uint;
    const uint8_t *bytes;
    size_t size;
    bool boolean;
} tcvm_transcript_field_t;

#define TCVM_TFIELD_STR(n, s)                                                                      \
    ((tcvm_transcript_field_t){.name = (n), .kind = TCVM_TFIELD_STRING, .str = (s)})
#define TCVM_TFIELD_U64(n, v)                                                                      \
    ((tcvm_transcript_field_t){.name = (n), .kind = TCVM_TFIELD_UINT, .uint = (v)})
#define TCVM_TFIELD_HEX(n, p, sz)                                                                  \
    ((tcvm_transcript_field_t){.name = (n), .kind = TCVM_TFIELD_BYTES, .bytes = (p), .size = (sz)})
#define TCVM_TFIELD_BOOLEAN(n, b)                                                                  \
    ((tcvm_transcript_field_t){.name = (n), .kind = TCVM_TFIELD_BOOL, .boolean = (b)})

typedef struct tcvm_transcript tcvm_transcript_t;

/*
 * A new, empty transcript whose head key signs. key is borrowed and must outlive the
 * transcript. On success *out is owned by the caller.
 */
TCVM_API tcvm_status_t tcvm_transcript_create(const tcvm_sign_key_t *key, tcvm_transcript_t **out);

/*
 * Appends an event of type (lowercase words of a-z, 0-9, '-', joined by '.', at most 64 bytes,
 * e.g. "upload.accepted") with count fields (at most TCVM_TRANSCRIPT_MAX_FIELDS), stamped with
 * the current UTC time in milliseconds; times never decrease (a clock that steps back is
 * clamped to the last time). Status TCVM_EINVAL (bad type or field; detail in
 * tcvm_transcript_error), TCVM_ESTATE (closed, or a loaded transcript), TCVM_ELIMIT.
 */
TCVM_API tcvm_status_t tcvm_transcript_append(tcvm_transcript_t *t, const char *type,
                                              const tcvm_transcript_field_t *fields, size_t count);

/* tcvm_transcript_append with an explicit time (ms since 1970 UTC), which must not be earlier
 * than the last record's (TCVM_EINVAL). */
TCVM_API tcvm_status_t tcvm_transcript_append_at(tcvm_transcript_t *t, uint64_t time_ms,
                                                 const char *type,
                                                 const tcvm_transcript_field_t *fields,
                                                 size_t count);

/* Marks the transcript final: heads signed from now on say so, and appends are refused. */
TCVM_API void tcvm_transcript_close(tcvm_transcript_t *t);

/* Number of records. */
TCVM_API size_t tcvm_transcript_count(const tcvm_transcript_t *t);

/* The hash of the last record (32 zero bytes when there is none). */
TCVM_API void tcvm_transcript_last_hash(const tcvm_transcript_t *t,
                                        uint8_t out[TCVM_TRANSCRIPT_HASH_SIZE]);

/* Record index as its exact JSON line without the line feed; borrowed until the next append or
 * destroy. TCVM_ENOENT past the end. */
TCVM_API tcvm_status_t tcvm_transcript_record(const tcvm_transcript_t *t, size_t index,
                                              const char **out_line, size_t *out_size);

/* The time (ms since 1970 UTC) and type of record index; the type is borrowed like a line. */
TCVM_API tcvm_status_t tcvm_transcript_record_info(const tcvm_transcript_t *t, size_t index,
                                                   uint64_t *out_time_ms, const char **out_type);

/*
 * Writes the transcript (every record line, then a head line signed now) into a new buffer
 * (*out, *out_size; owned by the caller, release with tcvm_seal_free).
 */
TCVM_API tcvm_status_t tcvm_transcript_serialize(tcvm_transcript_t *t, char **out,
                                                 size_t *out_size);

/*
 * Verifies a serialized transcript against the runtime's public key and returns it as a
 * read-only transcript (*out, owned by the caller). Status TCVM_TRANSCRIPT_MALFORMED (the text
 * does not follow the format) or TCVM_TRANSCRIPT_BROKEN (the signature, the chain or the count
 * does not verify); err names the record and line.
 */
TCVM_API tcvm_status_t tcvm_transcript_load(const uint8_t *data, size_t size,
                                            const uint8_t runtime_key[TCVM_SIGN_PUBLIC_SIZE],
                                            tcvm_transcript_t **out, tcvm_error_t *err);

/* tcvm_transcript_load on the file at path (the message then starts with the path). */
TCVM_API tcvm_status_t tcvm_transcript_load_file(const char *path,
                                                 const uint8_t runtime_key[TCVM_SIGN_PUBLIC_SIZE],
                                                 tcvm_transcript_t **out, tcvm_error_t *err);

/* The signed head of a loaded transcript: when it was signed and whether it was final. */
TCVM_API void tcvm_transcript_head(const tcvm_transcript_t *t, uint64_t *out_time_ms,
                                   bool *out_final);

/* The detail of the transcript's last failure. */
TCVM_API const tcvm_error_t *tcvm_transcript_error(const tcvm_transcript_t *t);

/* Frees the transcript; accepts NULL. */
TCVM_API void tcvm_transcript_destroy(tcvm_transcript_t *t);

/* Writes ms since 1970 UTC as "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL. */
TCVM_API void tcvm_transcript_format_time(uint64_t time_ms, char out[32]);

#ifdef __cplusplus
}
#endif

#endif
