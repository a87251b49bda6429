/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The age v1 payload: sealing (header, nonce, STREAM chunks, optional armor) and opening
 * (armor detection, header, unwrap, MAC, STREAM chunks), streaming in both directions, plus the
 * all-or-nothing buffer and file forms.
 *
 * STREAM: the payload key is HKDF-SHA-256(file key, salt = nonce, info = "payload"); chunk i of
 * 64 KiB is sealed with ChaCha20-Poly1305 under the 12-byte nonce i (11 bytes, big endian) ||
 * last-flag. The opener decides "last" from the stream itself: a chunk followed by more bytes is
 * not last, and a stream that ends must end in a chunk that authenticates with the last flag, so
 * truncation at a chunk boundary, dropped or reordered chunks and trailing data are all caught.
 */
#include "crypto/age.h"

#include "crypto/codec.h"
#include "crypto/crypto.h"
#include "crypto/io.h"
#include "crypto/prim.h"

#include <errno.h>
#include <unistd.h>

static const char armor_begin_line[] = TCVM_AGE_ARMOR_BEGIN "\n";
static const char armor_end_line[] = TCVM_AGE_ARMOR_END "\n";

static void chunk_nonce(uint64_t index, bool last, uint8_t nonce[12])
{
    memset(nonce, 0, 12);
    for (int i = 0; i < 8; i++)
        nonce[10 - i] = (uint8_t)(index >> (8 * i));
    nonce[11] = last ? 1 : 0;
}

static tcvm_status_t payload_key(const uint8_t file_key[TCVM_AGE_FILE_KEY_SIZE],
                                 const uint8_t nonce[TCVM_AGE_NONCE_SIZE], tcvm_aead_t **out)
{
    uint8_t key[32];
    tcvm_status_t st = tcvm__hkdf_sha256(file_key, TCVM_AGE_FILE_KEY_SIZE, nonce,
                                         TCVM_AGE_NONCE_SIZE, "payload", key);
    if (st == TCVM_OK) st = tcvm__aead_new(key, out);
    tcvm__wipe(key, sizeof key);
    return st;
}

/* ---- sealing ----------------------------------------------------------------------------- */

struct tcvm_sealer {
    tcvm_seal_write_fn write;
    void *ctx;
    unsigned flags;
    tcvm_aead_t *aead;
    uint64_t chunk_index;
    uint8_t *chunk; /* TCVM_AGE_CHUNK_SIZE of pending plaintext */
    size_t chunk_fill;
    uint8_t *sealed; /* TCVM_AGE_ENC_CHUNK_SIZE scratch */
    uint8_t armor_pending[48];
    size_t armor_fill;
    bool failed, finished;
    tcvm_error_t error;
};

static tcvm_status_t seal_fail(tcvm_sealer_t *s, tcvm_status_t st, const char *what)
{
    s->failed = true;
    tcvm__aead_free(s->aead);
    s->aead = NULL;
    if (s->error.status == TCVM_OK)
        tcvm__errorf(&s->error, st, "seal: %s: %s", what, tcvm_status_message(st));
    return st;
}

/* Writes output bytes, through the armor encoder when armoring. */
static tcvm_status_t emit(tcvm_sealer_t *s, const uint8_t *data, size_t size)
{
    if (!(s->flags & TCVM_SEAL_ARMOR)) return s->write(s->ctx, data, size);
    while (size > 0) {
        size_t take = 48 - s->armor_fill;
        if (take > size) take = size;
        memcpy(s->armor_pending + s->armor_fill, data, take);
        s->armor_fill += take;
        data += take;
        size -= take;
        if (s->armor_fill == 48) {
            char line[66];
            tcvm__b64_encode(s->armor_pending, 48, true, line);
            line[64] = '\n';
            tcvm_status_t st = s->write(s->ctx, (const uint8_t *)line, 65);
            if (st != TCVM_OK) return st;
            s->armor_fill = 0;
        }
    }
    return TCVM_OK;
}

static tcvm_status_t emit_chunk(tcvm_sealer_t *s, bool last)
{
    uint8_t nonce[12];
    chunk_nonce(s->chunk_index, last, nonce);
    tcvm_status_t st = tcvm__aead_seal(s->aead, nonce, s->chunk, s->chunk_fill, s->sealed);
    tcvm__wipe(s->chunk, s->chunk_fill);
    if (st != TCVM_OK) return seal_fail(s, st, "ChaCha20-Poly1305");
    st = emit(s, s->sealed, s->chunk_fill + TCVM_AGE_TAG_SIZE);
    if (st != TCVM_OK) return seal_fail(s, st, "writing the output");
    s->chunk_index++;
    s->chunk_fill = 0;
    return TCVM_OK;
}

tcvm_status_t tcvm_seal_begin(const tcvm_age_recipient_t *recipients, size_t count, unsigned flags,
                              tcvm_seal_write_fn write, void *ctx, tcvm_sealer_t **out,
                              tcvm_error_t *err)
{
    if (count == 0 || count > TCVM_AGE_MAX_RECIPIENTS)
        return tcvm__errorf(err, TCVM_EINVAL, "seal: between 1 and %u recipients are needed",
                            TCVM_AGE_MAX_RECIPIENTS);
    tcvm_status_t st = TCVM_ENOMEM;
    uint8_t file_key[TCVM_AGE_FILE_KEY_SIZE], nonce[TCVM_AGE_NONCE_SIZE], mac[32];
    tcvm_buf_t header = {0};
    tcvm_sealer_t *s = tcvm__calloc(1, sizeof *s);
    if (s == NULL) return tcvm__errorf(err, TCVM_ENOMEM, "seal: out of memory");
    s->write = write;
    s->ctx = ctx;
    s->flags = flags;
    s->chunk = tcvm__malloc(TCVM_AGE_CHUNK_SIZE);
    s->sealed = tcvm__malloc(TCVM_AGE_ENC_CHUNK_SIZE);
    if (s->chunk == NULL || s->sealed == NULL) {
        tcvm__errorf(err, st, "seal: out of memory");
        goto fail;
    }
    st = tcvm__random(file_key, sizeof file_key);
    if (st != TCVM_OK) {
        tcvm__errorf(err, st, "seal: no randomness");
        goto fail;
    }
    st = tcvm__buf_append(&header, TCVM_AGE_VERSION_LINE, sizeof TCVM_AGE_VERSION_LINE - 1);
    for (size_t i = 0; i < count && st == TCVM_OK; i++) {
        st = tcvm__age_wrap_x25519(&recipients[i], file_key, &header);
        if (st == TCVM_CRYPTO_BAD_KEY) {
            tcvm__errorf(err, st, "seal: recipient %zu is a low-order point, not a usable key",
                         i + 1);
            goto fail;
        }
    }
    if (st == TCVM_OK) st = tcvm__buf_append(&header, "---", 3);
    if (st == TCVM_OK) st = tcvm__age_header_mac(file_key, header.data, header.size, mac);
    if (st == TCVM_OK) {
        char mac_b64[44];
        tcvm__b64_encode(mac, sizeof mac, false, mac_b64);
        st = tcvm__buf_printf(&header, " %s\n", mac_b64);
    }
    if (st == TCVM_OK) st = tcvm__random(nonce, sizeof nonce);
    if (st == TCVM_OK) st = payload_key(file_key, nonce, &s->aead);
    if (st != TCVM_OK) {
        tcvm__errorf(err, st, "seal: building the header: %s", tcvm_status_message(st));
        goto fail;
    }
    if (flags & TCVM_SEAL_ARMOR)
        st = write(ctx, (const uint8_t *)armor_begin_line, sizeof armor_begin_line - 1);
    if (st == TCVM_OK) st = emit(s, header.data, header.size);
    if (st == TCVM_OK) st = emit(s, nonce, sizeof nonce);
    if (st != TCVM_OK) {
        tcvm__errorf(err, st, "seal: writing the header failed");
        goto fail;
    }
    tcvm__wipe(file_key, sizeof file_key);
    tcvm__buf_free(&header);
    *out = s;
    return TCVM_OK;
fail:
    tcvm__wipe(file_key, sizeof file_key);
    tcvm__buf_free(&header);
    tcvm_seal_destroy(s);
    return st;
}

tcvm_status_t tcvm_seal_update(tcvm_sealer_t *s, const void *data, size_t size)
{
    if (s->failed || s->finished)
        return tcvm__errorf(&s->error, s->failed ? s->error.status : TCVM_ESTATE,
                            "seal: the sealer is %s", s->failed ? "failed" : "finished");
    const uint8_t *p = data;
    while (size > 0) {
        /* a full chunk is written only once more data shows it is not the last one */
        if (s->chunk_fill == TCVM_AGE_CHUNK_SIZE) {
            tcvm_status_t st = emit_chunk(s, false);
            if (st != TCVM_OK) return st;
        }
        size_t take = TCVM_AGE_CHUNK_SIZE - s->chunk_fill;
        if (take > size) take = size;
        memcpy(s->chunk + s->chunk_fill, p, take);
        s->chunk_fill += take;
        p += take;
        size -= take;
    }
    return TCVM_OK;
}

tcvm_status_t tcvm_seal_finish(tcvm_sealer_t *s)
{
    if (s->failed || s->finished)
        return tcvm__errorf(&s->error, s->failed ? s->error.status : TCVM_ESTATE,
                            "seal: the sealer is %s", s->failed ? "failed" : "finished");
    /* the final chunk: short, full, or empty only when the whole plaintext is empty */
    tcvm_status_t st = emit_chunk(s, true);
    if (st != TCVM_OK) return st;
    if (s->flags & TCVM_SEAL_ARMOR) {
        if (s->armor_fill > 0) {
            char line[66];
            tcvm__b64_encode(s->armor_pending, s->armor_fill, true, line);
            size_t n = strlen(line);
            line[n] = '\n';
            st = s->write(s->ctx, (const uint8_t *)line, n + 1);
        }
        if (st == TCVM_OK)
            st = s->write(s->ctx, (const uint8_t *)armor_end_line, sizeof armor_end_line - 1);
        if (st != TCVM_OK) return seal_fail(s, st, "writing the output");
    }
    s->finished = true;
    tcvm__aead_free(s->aead);
    s->aead = NULL;
    return TCVM_OK;
}

const tcvm_error_t *tcvm_seal_error(const tcvm_sealer_t *s)
{
    return &s->error;
}

void tcvm_seal_destroy(tcvm_sealer_t *s)
{
    if (s == NULL) return;
    tcvm__aead_free(s->aead);
    if (s->chunk != NULL) tcvm__wipe(s->chunk, TCVM_AGE_CHUNK_SIZE);
    tcvm__free(s->chunk);
    tcvm__free(s->sealed);
    tcvm__wipe(s, sizeof *s);
    tcvm__free(s);
}

static tcvm_status_t buf_write(void *ctx, const uint8_t *data, size_t size)
{
    return tcvm__buf_append(ctx, data, size);
}

tcvm_status_t tcvm_seal_buffer(const tcvm_age_recipient_t *recipients, size_t count, unsigned flags,
                               const void *plaintext, size_t size, uint8_t **out, size_t *out_size,
                               tcvm_error_t *err)
{
    tcvm_buf_t b = {0};
    tcvm_sealer_t *s;
    tcvm_status_t st = tcvm_seal_begin(recipients, count, flags, buf_write, &b, &s, err);
    if (st != TCVM_OK) {
        tcvm__buf_free(&b); /* a header may have been written before the failure */
        return st;
    }
    st = tcvm_seal_update(s, plaintext, size);
    if (st == TCVM_OK) st = tcvm_seal_finish(s);
    if (st != TCVM_OK) {
        tcvm__error_copy(err, tcvm_seal_error(s));
        tcvm_seal_destroy(s);
        tcvm__buf_free(&b);
        return st;
    }
    tcvm_seal_destroy(s);
    *out = b.data != NULL ? b.data : tcvm__malloc(0);
    *out_size = b.size;
    return TCVM_OK;
}

/* ---- opening ----------------------------------------------------------------------------- */

typedef enum open_state {
    O_DETECT,  /* nothing but whitespace seen yet */
    O_ARMOR,   /* collecting the armored text, decoded at finish */
    O_HEADER,  /* collecting the binary header */
    O_PAYLOAD, /* nonce and chunks */
    O_DONE,
    O_FAILED,
} open_state_t;

struct tcvm_opener {
    const tcvm_age_identity_t *ids;
    size_t id_count;
    tcvm_seal_write_fn write;
    void *ctx;
    open_state_t state;
    tcvm_buf_t in;      /* bytes not consumed yet */
    size_t in_off;      /* consumed prefix of in */
    size_t hdr_scanned; /* header bytes already searched, so each byte is searched once */
    size_t mac_at;      /* where the "---" line starts, 0 until found */
    tcvm_aead_t *aead;
    uint8_t file_key[TCVM_AGE_FILE_KEY_SIZE];
    bool have_nonce;
    uint64_t chunk_index;
    uint8_t *plain; /* TCVM_AGE_CHUNK_SIZE scratch */
    tcvm_error_t error;
};

/* Security objects stay failed: wipe the keys and refuse every later call. */
static tcvm_status_t open_fail(tcvm_opener_t *o, tcvm_status_t st)
{
    o->state = O_FAILED;
    tcvm__aead_free(o->aead);
    o->aead = NULL;
    tcvm__wipe(o->file_key, sizeof o->file_key);
    tcvm__buf_free(&o->in);
    o->in_off = 0;
    if (o->error.status == TCVM_OK) tcvm__errorf(&o->error, st, "%s", tcvm_status_message(st));
    return st;
}

tcvm_status_t tcvm_open_begin(const tcvm_age_identity_t *ids, size_t count,
                              tcvm_seal_write_fn write, void *ctx, tcvm_opener_t **out)
{
    if (count == 0 || count > TCVM_AGE_MAX_IDENTITIES) return TCVM_EINVAL;
    tcvm_opener_t *o = tcvm__calloc(1, sizeof *o);
    if (o == NULL) return TCVM_ENOMEM;
    o->plain = tcvm__malloc(TCVM_AGE_CHUNK_SIZE);
    if (o->plain == NULL) {
        tcvm__free(o);
        return TCVM_ENOMEM;
    }
    o->ids = ids;
    o->id_count = count;
    o->write = write;
    o->ctx = ctx;
    *out = o;
    return TCVM_OK;
}

/* Drops the consumed prefix of the input buffer once it is large. */
static void compact(tcvm_opener_t *o)
{
    if (o->in_off == 0) return;
    if (o->in_off == o->in.size) {
        o->in.size = 0;
        o->in_off = 0;
    } else if (o->in_off >= TCVM_AGE_ENC_CHUNK_SIZE) {
        memmove(o->in.data, o->in.data + o->in_off, o->in.size - o->in_off);
        o->in.size -= o->in_off;
        o->in_off = 0;
    }
}

static tcvm_status_t open_header(tcvm_opener_t *o, size_t header_size)
{
    tcvm_age_header_t h;
    tcvm_status_t st = tcvm__age_header_parse(o->in.data, header_size, &h, &o->error);
    if (st != TCVM_OK) return open_fail(o, st);
    st = tcvm__age_unwrap(&h, o->ids, o->id_count, o->file_key, &o->error);
    if (st != TCVM_OK) {
        tcvm__age_header_free(&h);
        return open_fail(o, st);
    }
    uint8_t mac[32];
    st = tcvm__age_header_mac(o->file_key, o->in.data, h.mac_input_size, mac);
    bool ok = st == TCVM_OK && tcvm__ct_equal(mac, h.mac, 32);
    tcvm__age_header_free(&h);
    if (st != TCVM_OK) return open_fail(o, st);
    if (!ok) {
        tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_MAC,
                     "age header MAC does not verify: the header was altered after sealing");
        return open_fail(o, TCVM_CRYPTO_AGE_MAC);
    }
    o->in_off = header_size;
    o->state = O_PAYLOAD;
    return TCVM_OK;
}

/* Decrypts one chunk of size bytes at the consumed offset. */
static tcvm_status_t open_chunk(tcvm_opener_t *o, size_t size, bool last)
{
    uint8_t nonce[12];
    const uint8_t *in = o->in.data + o->in_off;
    if (size < TCVM_AGE_TAG_SIZE) {
        tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_TRUNCATED,
                     "age payload: chunk %llu is %zu bytes, shorter than its 16-byte tag: the "
                     "file is truncated",
                     (unsigned long long)o->chunk_index, size);
        return open_fail(o, TCVM_CRYPTO_AGE_TRUNCATED);
    }
    chunk_nonce(o->chunk_index, last, nonce);
    tcvm_status_t st = tcvm__aead_open(o->aead, nonce, in, size, o->plain);
    if (st == TCVM_CRYPTO_DECRYPT && !last) {
        /* a full chunk that opens as the final one means data follows the end of the stream */
        chunk_nonce(o->chunk_index, true, nonce);
        if (tcvm__aead_open(o->aead, nonce, in, size, o->plain) == TCVM_OK) {
            tcvm__wipe(o->plain, size - TCVM_AGE_TAG_SIZE);
            tcvm__errorf(&o->error, TCVM_CRYPTO_DECRYPT,
                         "age payload: data after the final chunk (chunk %llu)",
                         (unsigned long long)o->chunk_index);
            return open_fail(o, TCVM_CRYPTO_DECRYPT);
        }
    }
    if (st == TCVM_CRYPTO_DECRYPT) {
        if (last)
            tcvm__errorf(&o->error, TCVM_CRYPTO_DECRYPT,
                         "age payload: chunk %llu does not authenticate as the final chunk: the "
                         "file is truncated or was altered",
                         (unsigned long long)o->chunk_index);
        else
            tcvm__errorf(&o->error, TCVM_CRYPTO_DECRYPT,
                         "age payload: chunk %llu does not authenticate: the file was altered",
                         (unsigned long long)o->chunk_index);
        return open_fail(o, st);
    }
    if (st != TCVM_OK) return open_fail(o, st);
    size_t plain = size - TCVM_AGE_TAG_SIZE;
    if (last && plain == 0 && o->chunk_index > 0) {
        tcvm__errorf(&o->error, TCVM_CRYPTO_DECRYPT,
                     "age payload: the final chunk is empty (only an empty file may have an "
                     "empty final chunk)");
        return open_fail(o, TCVM_CRYPTO_DECRYPT);
    }
    o->in_off += size;
    o->chunk_index++;
    st = o->write(o->ctx, o->plain, plain);
    tcvm__wipe(o->plain, plain);
    if (st != TCVM_OK) {
        tcvm__errorf(&o->error, st, "open: writing the plaintext failed");
        return open_fail(o, st);
    }
    return TCVM_OK;
}

/*
 * tcvm__age_header_end, resumable: a header that arrives a few bytes at a time is searched once
 * in all, not once per call.
 */
static size_t header_end(tcvm_opener_t *o)
{
    const uint8_t *d = o->in.data;
    size_t size = o->in.size;
    if (o->mac_at == 0) {
        size_t i = o->hdr_scanned > 3 ? o->hdr_scanned - 3 : 0;
        for (; i + 3 < size && o->mac_at == 0; i++) {
            if (d[i] == '\n' && memcmp(d + i + 1, "---", 3) == 0) o->mac_at = i + 1;
        }
        o->hdr_scanned = o->mac_at ? o->mac_at : size;
        if (o->mac_at == 0) return 0;
    }
    const uint8_t *lf = memchr(d + o->hdr_scanned, '\n', size - o->hdr_scanned);
    o->hdr_scanned = size;
    return lf == NULL ? 0 : (size_t)(lf - d) + 1;
}

/* Consumes what the buffered binary input allows; at_end when no more input will come. */
static tcvm_status_t open_progress(tcvm_opener_t *o, bool at_end)
{
    tcvm_status_t st;
    if (o->state == O_HEADER) {
        static const char prefix[] = "age-encryption.org/";
        size_t n = o->in.size < sizeof prefix - 1 ? o->in.size : sizeof prefix - 1;
        if (memcmp(o->in.data, prefix, n) != 0 || (at_end && o->in.size == 0)) {
            tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_MALFORMED,
                         "not an age file: it does not start with \"age-encryption.org/v1\"");
            return open_fail(o, TCVM_CRYPTO_AGE_MALFORMED);
        }
        size_t end = header_end(o);
        if (end == 0) {
            if (o->in.size > TCVM_AGE_MAX_HEADER_SIZE) {
                tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_MALFORMED,
                             "age header: no MAC line within the first %zu bytes",
                             TCVM_AGE_MAX_HEADER_SIZE);
                return open_fail(o, TCVM_CRYPTO_AGE_MALFORMED);
            }
            if (!at_end) return TCVM_OK;
            /* parse what there is for a precise message, else say it is cut short */
            tcvm_age_header_t h;
            st = tcvm__age_header_parse(o->in.data, o->in.size, &h, &o->error);
            if (st == TCVM_OK) {
                tcvm__age_header_free(&h);
                st = TCVM_CRYPTO_AGE_MALFORMED;
                tcvm__errorf(&o->error, st, "age header is truncated");
            }
            return open_fail(o, st);
        }
        st = open_header(o, end);
        if (st != TCVM_OK) return st;
    }
    if (o->state != O_PAYLOAD) return TCVM_OK;
    if (!o->have_nonce) {
        if (o->in.size - o->in_off < TCVM_AGE_NONCE_SIZE) {
            if (!at_end) return TCVM_OK;
            tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_TRUNCATED,
                         "age payload: the file is truncated inside the 16-byte payload nonce");
            return open_fail(o, TCVM_CRYPTO_AGE_TRUNCATED);
        }
        st = payload_key(o->file_key, o->in.data + o->in_off, &o->aead);
        tcvm__wipe(o->file_key, sizeof o->file_key);
        if (st != TCVM_OK) return open_fail(o, st);
        o->in_off += TCVM_AGE_NONCE_SIZE;
        o->have_nonce = true;
    }
    /* a chunk is not the last while more bytes follow it */
    while (o->in.size - o->in_off > TCVM_AGE_ENC_CHUNK_SIZE) {
        st = open_chunk(o, TCVM_AGE_ENC_CHUNK_SIZE, false);
        if (st != TCVM_OK) return st;
    }
    compact(o);
    if (!at_end) return TCVM_OK;
    size_t left = o->in.size - o->in_off;
    if (left == 0) {
        tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_TRUNCATED,
                     o->chunk_index == 0
                         ? "age payload: no chunks after the nonce: the file is truncated"
                         : "age payload: the stream ends without its final chunk: the file is "
                           "truncated");
        return open_fail(o, TCVM_CRYPTO_AGE_TRUNCATED);
    }
    st = open_chunk(o, left, true);
    if (st != TCVM_OK) return st;
    o->state = O_DONE;
    tcvm__aead_free(o->aead);
    o->aead = NULL;
    return TCVM_OK;
}

static tcvm_status_t append_input(tcvm_opener_t *o, const void *data, size_t size)
{
    tcvm_status_t st = tcvm__buf_append(&o->in, data, size);
    if (st != TCVM_OK) {
        tcvm__errorf(&o->error, st, "open: out of memory");
        return open_fail(o, st);
    }
    return TCVM_OK;
}

tcvm_status_t tcvm_open_update(tcvm_opener_t *o, const void *data, size_t size)
{
    if (o->state == O_FAILED) return o->error.status;
    if (o->state == O_DONE)
        return tcvm__errorf(&o->error, TCVM_ESTATE, "open: the stream is already finished");
    if (size == 0) return TCVM_OK;
    if (o->state == O_ARMOR && o->in.size + size > TCVM_AGE_MAX_ARMORED_SIZE) {
        tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_MALFORMED,
                     "armored age file larger than %zu bytes; use the binary form",
                     TCVM_AGE_MAX_ARMORED_SIZE);
        return open_fail(o, TCVM_CRYPTO_AGE_MALFORMED);
    }
    tcvm_status_t st = append_input(o, data, size);
    if (st != TCVM_OK) return st;
    if (o->state == O_DETECT) {
        bool decided;
        bool armored = tcvm__age_looks_armored(o->in.data, o->in.size, &decided);
        if (!decided) {
            if (o->in.size <= TCVM_AGE_MAX_ARMORED_SIZE) return TCVM_OK;
            tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_MALFORMED, "not an age file: only whitespace");
            return open_fail(o, TCVM_CRYPTO_AGE_MALFORMED);
        }
        o->state = armored ? O_ARMOR : O_HEADER;
    }
    if (o->state == O_ARMOR) return TCVM_OK;
    return open_progress(o, false);
}

tcvm_status_t tcvm_open_finish(tcvm_opener_t *o)
{
    if (o->state == O_FAILED) return o->error.status;
    if (o->state == O_DONE)
        return tcvm__errorf(&o->error, TCVM_ESTATE, "open: the stream is already finished");
    if (o->state == O_DETECT) {
        tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_MALFORMED, "not an age file: the input is empty");
        return open_fail(o, TCVM_CRYPTO_AGE_MALFORMED);
    }
    if (o->state == O_ARMOR) {
        uint8_t *bin;
        size_t bin_size;
        tcvm_status_t st =
            tcvm__age_armor_decode(o->in.data, o->in.size, &bin, &bin_size, &o->error);
        if (st != TCVM_OK) return open_fail(o, st);
        tcvm__buf_free(&o->in);
        o->in.data = bin;
        o->in.size = bin_size;
        o->in.cap = bin_size;
        o->state = O_HEADER;
        if (bin_size == 0) {
            tcvm__errorf(&o->error, TCVM_CRYPTO_AGE_MALFORMED,
                         "not an age file: the armor holds no data");
            return open_fail(o, TCVM_CRYPTO_AGE_MALFORMED);
        }
        st = open_progress(o, false);
        if (st != TCVM_OK) return st;
    }
    return open_progress(o, true);
}

const tcvm_error_t *tcvm_open_error(const tcvm_opener_t *o)
{
    return &o->error;
}

void tcvm_open_destroy(tcvm_opener_t *o)
{
    if (o == NULL) return;
    tcvm__aead_free(o->aead);
    tcvm__buf_free(&o->in);
    if (o->plain != NULL) tcvm__wipe(o->plain, TCVM_AGE_CHUNK_SIZE);
    tcvm__free(o->plain);
    tcvm__wipe(o, sizeof *o);
    tcvm__free(o);
}

/* Collects plaintext in memory, up to a cap. */
typedef struct plain_sink {
    tcvm_buf_t buf;
    size_t cap;
} plain_sink_t;

static tcvm_status_t sink_write(void *ctx, const uint8_t *data, size_t size)
{
    plain_sink_t *sink = ctx;
    if (size == 0) return TCVM_OK;
    if (size > sink->cap - sink->buf.size) return TCVM_ELIMIT;
    /* grow by hand so that a reallocation never leaves plaintext behind in freed memory */
    if (sink->buf.size + size > sink->buf.cap) {
        size_t cap = sink->buf.cap < 65536 ? 65536 : sink->buf.cap;
        while (cap < sink->buf.size + size)
            cap = cap > sink->cap / 2 ? sink->cap : cap * 2;
        uint8_t *grown = tcvm__malloc(cap);
        if (grown == NULL) return TCVM_ENOMEM;
        size_t used = sink->buf.size;
        if (used > 0) memcpy(grown, sink->buf.data, used);
        tcvm__buf_free_secret(&sink->buf);
        sink->buf.data = grown;
        sink->buf.size = used;
        sink->buf.cap = cap;
    }
    memcpy(sink->buf.data + sink->buf.size, data, size);
    sink->buf.size += size;
    return TCVM_OK;
}

static tcvm_status_t open_into_sink(const tcvm_age_identity_t *ids, size_t count, int fd,
                                    const void *data, size_t size, plain_sink_t *sink,
                                    tcvm_seal_write_fn write, void *ctx, tcvm_error_t *err)
{
    tcvm_opener_t *o;
    tcvm_status_t st = tcvm_open_begin(ids, count, write, ctx, &o);
    if (st != TCVM_OK) return tcvm__errorf(err, st, "open: %s", tcvm_status_message(st));
    if (fd < 0) {
        st = tcvm_open_update(o, data, size);
    } else {
        uint8_t *block = tcvm__malloc(TCVM_AGE_ENC_CHUNK_SIZE);
        if (block == NULL) st = tcvm__errorf(&o->error, TCVM_ENOMEM, "open: out of memory");
        while (st == TCVM_OK) {
            ssize_t n = read(fd, block, TCVM_AGE_ENC_CHUNK_SIZE);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                st = tcvm__errorf(&o->error, TCVM_EIO, "open: read failed: %s", strerror(errno));
                break;
            }
            if (n == 0) break;
            st = tcvm_open_update(o, block, (size_t)n);
        }
        tcvm__free(block);
    }
    if (st == TCVM_OK) st = tcvm_open_finish(o);
    if (st != TCVM_OK) {
        if (st == TCVM_ELIMIT && sink != NULL)
            tcvm__errorf(err, st,
                         "open: the plaintext is larger than %zu bytes, too large to hold back "
                         "until it is authenticated; write it to a file instead",
                         sink->cap);
        else
            tcvm__error_copy(err, tcvm_open_error(o));
    }
    tcvm_open_destroy(o);
    return st;
}

tcvm_status_t tcvm_open_buffer(const tcvm_age_identity_t *ids, size_t count, const void *data,
                               size_t size, uint8_t **out, size_t *out_size, tcvm_error_t *err)
{
    plain_sink_t sink = {{0}, SIZE_MAX};
    /* the plaintext is shorter than the ciphertext: one allocation, no regrowth */
    sink.buf.data = tcvm__malloc(size);
    if (sink.buf.data == NULL) return tcvm__errorf(err, TCVM_ENOMEM, "open: out of memory");
    sink.buf.cap = size;
    tcvm_status_t st = open_into_sink(ids, count, -1, data, size, &sink, sink_write, &sink, err);
    if (st != TCVM_OK) {
        tcvm__buf_free_secret(&sink.buf);
        return st;
    }
    *out = sink.buf.data != NULL ? sink.buf.data : tcvm__malloc(0);
    *out_size = sink.buf.size;
    return TCVM_OK;
}

static tcvm_status_t outfile_sink(void *ctx, const uint8_t *data, size_t size)
{
    return tcvm__outfile_write(ctx, data, size, NULL);
}

tcvm_status_t tcvm_open_file(const tcvm_age_identity_t *ids, size_t count, const char *in_path,
                             const char *out_path, tcvm_error_t *err)
{
    int fd;
    tcvm_status_t st = tcvm__open_input(in_path, &fd, err);
    if (st != TCVM_OK) return st;
    bool to_stdout = out_path == NULL || strcmp(out_path, "-") == 0;
    if (to_stdout) {
        /* nothing reaches standard output before the last chunk authenticated */
        plain_sink_t sink = {{0}, TCVM_SEAL_MAX_BUFFERED};
        st = open_into_sink(ids, count, fd, NULL, 0, &sink, sink_write, &sink, err);
        if (st == TCVM_OK && tcvm__write_all(STDOUT_FILENO, sink.buf.data, sink.buf.size) != 0)
            st = tcvm__errorf(err, TCVM_EIO, "standard output: write failed: %s", strerror(errno));
        tcvm__buf_free_secret(&sink.buf);
    } else {
        tcvm_outfile_t f;
        st = tcvm__outfile_open(&f, out_path, 0600, err);
        if (st == TCVM_OK) {
            st = open_into_sink(ids, count, fd, NULL, 0, NULL, outfile_sink, &f, err);
            if (st == TCVM_OK)
                st = tcvm__outfile_commit(&f, false, err);
            else
                tcvm__outfile_abort(&f); /* the partial plaintext is removed */
        }
    }
    tcvm__close_input(fd);
    if (st != TCVM_OK && in_path != NULL && strcmp(in_path, "-") != 0 && err != NULL &&
        strncmp(err->message, in_path, strlen(in_path)) != 0)
        tcvm__error_prefix(err, st, "%s", in_path);
    return st;
}

tcvm_status_t tcvm_seal_file(const tcvm_age_recipient_t *recipients, size_t count, unsigned flags,
                             const char *in_path, const char *out_path, tcvm_error_t *err)
{
    int fd;
    tcvm_status_t st = tcvm__open_input(in_path, &fd, err);
    if (st != TCVM_OK) return st;
    tcvm_outfile_t f;
    st = tcvm__outfile_open(&f, out_path, 0644, err);
    if (st != TCVM_OK) {
        tcvm__close_input(fd);
        return st;
    }
    tcvm_sealer_t *s;
    st = tcvm_seal_begin(recipients, count, flags, outfile_sink, &f, &s, err);
    if (st != TCVM_OK) goto abort;
    uint8_t *block = tcvm__malloc(TCVM_AGE_CHUNK_SIZE);
    if (block == NULL) st = tcvm__errorf(err, TCVM_ENOMEM, "seal: out of memory");
    while (st == TCVM_OK) {
        ssize_t n = read(fd, block, TCVM_AGE_CHUNK_SIZE);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            st = tcvm__errorf(err, TCVM_EIO, "%s: read failed: %s",
                              in_path ? in_path : "standard input", strerror(errno));
            break;
        }
        if (n == 0) break;
        st = tcvm_seal_update(s, block, (size_t)n);
        if (st != TCVM_OK) tcvm__error_copy(err, tcvm_seal_error(s));
    }
    if (block != NULL) tcvm__wipe(block, TCVM_AGE_CHUNK_SIZE);
    tcvm__free(block);
    if (st == TCVM_OK) {
        st = tcvm_seal_finish(s);
        if (st != TCVM_OK) tcvm__error_copy(err, tcvm_seal_error(s));
    }
    tcvm_seal_destroy(s);
    if (st == TCVM_OK) {
        tcvm__close_input(fd);
        return tcvm__outfile_commit(&f, false, err);
    }
abort:
    tcvm__outfile_abort(&f);
    tcvm__close_input(fd);
    return st;
}
