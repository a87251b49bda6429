/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age v1: key encodings against the specification's example keys, seal/open round trips at
 * chunk boundaries, and every refusal: wrong identity, altered header and MAC, truncated,
 * extended and reordered streams, header grammar, X25519 stanza shape, armor. Hand-built files
 * (a chosen file key, custom stanzas, custom chunks) exercise the cases a correct sealer never
 * produces, in the manner of the C2SP age test kit.
 */
#include "test.h"

#include "crypto/age.h"
#include "crypto/codec.h"
#include "crypto/prim.h"

#include <sys/stat.h>
#include <unistd.h>

/* The example keys of the age specification (c2sp.org/age, "The X25519 recipient type"). */
#define SPEC_IDENTITY "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
#define SPEC_RECIPIENT "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"

static tcvm_age_identity_t test_identity(uint8_t fill)
{
    uint8_t secret[32];
    memset(secret, fill, sizeof secret);
    tcvm_age_identity_t id;
    CHECK_OK(tcvm_age_identity_from_secret(secret, &id));
    return id;
}

static tcvm_age_recipient_t recipient_of(const tcvm_age_identity_t *id)
{
    tcvm_age_recipient_t r;
    tcvm_age_identity_recipient(id, &r);
    return r;
}

static uint8_t *pattern(size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    for (size_t i = 0; i < size; i++)
        p[i] = (uint8_t)(i * 31 + i / 65536);
    return p;
}

static tcvm_status_t buf_sink(void *ctx, const uint8_t *data, size_t size)
{
    return tcvm__buf_append(ctx, data, size);
}

/* Opens (data, size); on failure returns the status and leaves the message in err. */
static tcvm_status_t open_all(const tcvm_age_identity_t *id, const uint8_t *data, size_t size,
                              uint8_t **out, size_t *out_size, tcvm_error_t *err)
{
    *out = NULL;
    *out_size = 0;
    return tcvm_open_buffer(id, 1, data, size, out, out_size, err);
}

TEST(crypto_age_spec_keys)
{
    tcvm_error_t err = {0};
    tcvm_age_identity_t id;
    CHECK_OK(tcvm_age_identity_parse(SPEC_IDENTITY, strlen(SPEC_IDENTITY), &id, &err));
    tcvm_age_recipient_t r = recipient_of(&id);
    char text[TCVM_AGE_RECIPIENT_TEXT_SIZE];
    tcvm_age_recipient_format(&r, text);
    CHECK_STREQ(text, SPEC_RECIPIENT);
    char idtext[TCVM_AGE_IDENTITY_TEXT_SIZE];
    tcvm_age_identity_format(&id, idtext);
    CHECK_STREQ(idtext, SPEC_IDENTITY);
    tcvm_age_recipient_t parsed;
    CHECK_OK(tcvm_age_recipient_parse(SPEC_RECIPIENT, strlen(SPEC_RECIPIENT), &parsed, &err));
    CHECK_MEM(parsed.public_key, r.public_key, 32);
    /* the same value in lowercase is the same key */
    char lower[TCVM_AGE_IDENTITY_TEXT_SIZE];
    for (size_t i = 0; i <= strlen(idtext); i++)
        lower[i] = (char)(idtext[i] >= 'A' && idtext[i] <= 'Z' ? idtext[i] + 32 : idtext[i]);
    tcvm_age_identity_t id2;
    CHECK_OK(tcvm_age_identity_parse(lower, strlen(lower), &id2, &err));
    CHECK_MEM(id2.secret, id.secret, 32);
    tcvm_age_identity_wipe(&id);
    uint8_t zero[32] = {0};
    CHECK_MEM(id.secret, zero, 32);
}

TEST(crypto_age_key_refusals)
{
    tcvm_error_t err = {0};
    tcvm_age_identity_t id;
    tcvm_age_recipient_t r;
    CHECK_STATUS(tcvm_age_identity_parse(SPEC_RECIPIENT, strlen(SPEC_RECIPIENT), &id, &err),
                 TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "has prefix \"age1\", expected \"age-secret-key-1\"");
    CHECK_STATUS(tcvm_age_recipient_parse(SPEC_IDENTITY, strlen(SPEC_IDENTITY), &r, &err),
                 TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "expected \"age1\"");
    /* a valid Bech32 string with the right prefix but a 20-byte payload */
    char short_key[100];
    uint8_t twenty[20] = {1, 2, 3};
    CHECK_OK(tcvm__bech32_encode("age", twenty, sizeof twenty, false, short_key, sizeof short_key));
    CHECK_STATUS(tcvm_age_recipient_parse(short_key, strlen(short_key), &r, &err),
                 TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "holds 20 bytes, expected 32");
    char bad[] = SPEC_RECIPIENT;
    bad[10] = bad[10] == 'q' ? 'p' : 'q';
    CHECK_STATUS(tcvm_age_recipient_parse(bad, strlen(bad), &r, &err), TCVM_CRYPTO_AGE_MALFORMED);
    CHECK_CONTAINS(err.message, "age recipient (age1...): bech32: checksum does not match");
}

TEST(crypto_age_identity_file)
{
    const char *file = "# created: 2026-01-01T00:00:00Z\r\n"
                       "# public key: " SPEC_RECIPIENT "\r\n"
                       "\r\n" SPEC_IDENTITY "\r\n"
                       "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";
    tcvm_age_identity_t *ids;
    size_t n;
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_age_identities_parse(file, strlen(file), &ids, &n, &err));
    CHECK_EQ(n, 2);
    tcvm_age_recipient_t r = recipient_of(&ids[0]);
    char text[TCVM_AGE_RECIPIENT_TEXT_SIZE];
    tcvm_age_recipient_format(&r, text);
    CHECK_STREQ(text, SPEC_RECIPIENT);
    tcvm_age_identities_free(ids, n);

    const char *plugin = "# x\nAGE-PLUGIN-YUBIKEY-1QQQQQQ\n";
    CHECK_STATUS(tcvm_age_identities_parse(plugin, strlen(plugin), &ids, &n, &err),
                 TCVM_EUNSUPPORTED);
    CHECK_STREQ(err.message, "line 2: age plugin identities are not supported");
    const char *pem = "-----BEGIN PRIVATE KEY-----\n";
    CHECK_STATUS(tcvm_age_identities_parse(pem, strlen(pem), &ids, &n, &err), TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "line 1: a PEM block is not an age identity");
    const char *empty = "# only a comment\n\n";
    CHECK_STATUS(tcvm_age_identities_parse(empty, strlen(empty), &ids, &n, &err),
                 TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "no identity found");
    const char *typo = SPEC_IDENTITY "\nAGE-SECRET-KEY-1QQ\n";
    CHECK_STATUS(tcvm_age_identities_parse(typo, strlen(typo), &ids, &n, &err),
                 TCVM_CRYPTO_AGE_MALFORMED);
    CHECK_CONTAINS(err.message, "line 2: age identity");

    const char *recips = "# team\n" SPEC_RECIPIENT "\n\n" SPEC_RECIPIENT "\r\n";
    tcvm_age_recipient_t *rs;
    CHECK_OK(tcvm_age_recipients_parse(recips, strlen(recips), &rs, &n, &err));
    CHECK_EQ(n, 2);
    tcvm_seal_free(rs);
    CHECK_STATUS(tcvm_age_recipients_parse("\n", 1, &rs, &n, &err), TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "no recipient found");
}

/* Seals and opens sizes around the 64 KiB chunk boundary, binary and armored. */
TEST(crypto_age_round_trip_sizes)
{
    static const size_t sizes[] = {0, 1, 47, 48, 65535, 65536, 65537, 131072, 196609};
    tcvm_age_identity_t id = test_identity(7);
    tcvm_age_recipient_t r = recipient_of(&id);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (unsigned flags = 0; flags <= TCVM_SEAL_ARMOR; flags++) {
            uint8_t *plain = pattern(sizes[i]);
            uint8_t *sealed, *opened;
            size_t sealed_size, opened_size;
            tcvm_error_t err = {0};
            CHECK_OK(tcvm_seal_buffer(&r, 1, flags, plain, sizes[i], &sealed, &sealed_size, &err));
            if (flags)
                CHECK(memcmp(sealed, TCVM_AGE_ARMOR_BEGIN, strlen(TCVM_AGE_ARMOR_BEGIN)) == 0);
            else
                CHECK(memcmp(sealed, "age-encryption.org/v1\n-> X25519 ", 32) == 0);
            tcvm_status_t st = open_all(&id, sealed, sealed_size, &opened, &opened_size, &err);
            if (st != TCVM_OK)
                tcvm_test_fail(__FILE__, __LINE__, "size %zu flags %u: %s", sizes[i], flags,
                               err.message);
            CHECK_EQ(opened_size, sizes[i]);
            CHECK_MEM(opened, plain, sizes[i]);
            if (!flags) {
                /* binary size: header + 16-byte nonce + chunks of 64 KiB + 16 */
                size_t chunks = sizes[i] == 0 ? 1 : (sizes[i] + 65535) / 65536;
                size_t hdr = tcvm__age_header_end(sealed, sealed_size);
                CHECK_EQ(sealed_size, hdr + 16 + sizes[i] + 16 * chunks);
            }
            tcvm_seal_free_secret(opened, opened_size);
            tcvm_seal_free(sealed);
            free(plain);
        }
    }
}

TEST(crypto_age_multiple_recipients_and_streaming)
{
    tcvm_age_identity_t a = test_identity(1), b = test_identity(2), c = test_identity(3);
    tcvm_age_recipient_t rs[2] = {recipient_of(&a), recipient_of(&b)};
    uint8_t *plain = pattern(70000);
    uint8_t *sealed, *opened;
    size_t sealed_size, opened_size;
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_seal_buffer(rs, 2, 0, plain, 70000, &sealed, &sealed_size, &err));
    CHECK_OK(open_all(&b, sealed, sealed_size, &opened, &opened_size, &err));
    CHECK_EQ(opened_size, 70000);
    tcvm_seal_free_secret(opened, opened_size);
    CHECK_STATUS(open_all(&c, sealed, sealed_size, &opened, &opened_size, &err),
                 TCVM_CRYPTO_NO_IDENTITY);
    CHECK_STREQ(err.message, "no identity matches: the file has 2 recipient stanzas (2 X25519) "
                             "and none opens with the 1 identity given");
    CHECK(opened == NULL);
    /* several identities: the second one matches */
    tcvm_age_identity_t ids[2] = {c, a};
    CHECK_OK(tcvm_open_buffer(ids, 2, sealed, sealed_size, &opened, &opened_size, &err));
    tcvm_seal_free_secret(opened, opened_size);
    /* one byte at a time through the streaming interface */
    tcvm_buf_t got = {0};
    tcvm_opener_t *o;
    CHECK_OK(tcvm_open_begin(&a, 1, buf_sink, &got, &o));
    for (size_t i = 0; i < sealed_size; i++)
        CHECK_OK(tcvm_open_update(o, sealed + i, 1));
    CHECK_OK(tcvm_open_finish(o));
    CHECK_EQ(got.size, 70000);
    CHECK_MEM(got.data, plain, 70000);
    /* a finished opener refuses more input */
    CHECK_STATUS(tcvm_open_update(o, "x", 1), TCVM_ESTATE);
    tcvm_open_destroy(o);
    tcvm__buf_free(&got);
    tcvm_seal_free(sealed);
    free(plain);
}

/* ---- hand-built files ------------------------------------------------------------------ */

static const uint8_t chosen_file_key[16] = "YELLOW SUBMARINE";
static const uint8_t chosen_nonce[16] = "0123456789abcdef";

/* Header text: version, the given stanza text, MAC line computed over it with the chosen key. */
static void add_header(tcvm_buf_t *b, const char *stanzas)
{
    CHECK_OK(tcvm__buf_append(b, TCVM_AGE_VERSION_LINE, strlen(TCVM_AGE_VERSION_LINE)));
    CHECK_OK(tcvm__buf_append(b, stanzas, strlen(stanzas)));
    CHECK_OK(tcvm__buf_append(b, "---", 3));
    uint8_t mac[32];
    CHECK_OK(tcvm__age_header_mac(chosen_file_key, b->data, b->size, mac));
    char mac_b64[44];
    tcvm__b64_encode(mac, 32, false, mac_b64);
    CHECK_OK(tcvm__buf_printf(b, " %s\n", mac_b64));
}

/* The X25519 stanza wrapping the chosen file key for id. */
static void x25519_stanza(const tcvm_age_identity_t *id, tcvm_buf_t *b)
{
    tcvm_age_recipient_t r = recipient_of(id);
    CHECK_OK(tcvm__age_wrap_x25519(&r, chosen_file_key, b));
}

static tcvm_aead_t *payload_aead(void)
{
    uint8_t key[32];
    CHECK_OK(tcvm__hkdf_sha256(chosen_file_key, 16, chosen_nonce, 16, "payload", key));
    tcvm_aead_t *a;
    CHECK_OK(tcvm__aead_new(key, &a));
    return a;
}

/* Appends chunk index with the last flag as given. */
static void add_chunk(tcvm_buf_t *b, tcvm_aead_t *a, uint64_t index, bool last,
                      const uint8_t *plain, size_t size)
{
    uint8_t nonce[12] = {0};
    for (int i = 0; i < 8; i++)
        nonce[10 - i] = (uint8_t)(index >> (8 * i));
    nonce[11] = last;
    CHECK_OK(tcvm__buf_reserve(b, size + 16));
    CHECK_OK(tcvm__aead_seal(a, nonce, plain, size, b->data + b->size));
    b->size += size + 16;
}

/* A file for id with the given extra stanza text before the X25519 stanza. */
static void build_file(tcvm_buf_t *b, const tcvm_age_identity_t *id, const char *extra)
{
    tcvm_buf_t stanzas = {0};
    CHECK_OK(tcvm__buf_append(&stanzas, extra, strlen(extra)));
    x25519_stanza(id, &stanzas);
    CHECK_OK(tcvm__buf_append(&stanzas, "", 1));
    add_header(b, (const char *)stanzas.data);
    tcvm__buf_free(&stanzas);
    CHECK_OK(tcvm__buf_append(b, chosen_nonce, 16));
}

static void expect_open(const tcvm_age_identity_t *id, const tcvm_buf_t *file, tcvm_status_t want,
                        const char *msg)
{
    uint8_t *out;
    size_t out_size;
    tcvm_error_t err = {0};
    tcvm_status_t st = open_all(id, file->data, file->size, &out, &out_size, &err);
    if (st != want)
        tcvm_test_fail(__FILE__, __LINE__, "got %s (%s), want %s", tcvm_status_name(st),
                       err.message, tcvm_status_name(want));
    if (want == TCVM_OK) {
        tcvm_seal_free_secret(out, out_size);
        return;
    }
    CHECK(out == NULL); /* no partial plaintext */
    CHECK_CONTAINS(err.message, msg);
}

TEST(crypto_age_handmade_success_and_grease)
{
    tcvm_age_identity_t id = test_identity(9);
    tcvm_buf_t f = {0};
    /* unknown stanza types are ignored but covered by the MAC; "x25519" is not "X25519" */
    build_file(&f, &id, "-> example.com/grease a b c\nZm9v\n-> x25519 AAAA\n\n");
    tcvm_aead_t *a = payload_aead();
    add_chunk(&f, a, 0, true, (const uint8_t *)"age", 3);
    uint8_t *out;
    size_t out_size;
    tcvm_error_t err = {0};
    CHECK_OK(open_all(&id, f.data, f.size, &out, &out_size, &err));
    CHECK_EQ(out_size, 3);
    CHECK_MEM(out, "age", 3);
    tcvm_seal_free_secret(out, out_size);
    tcvm__aead_free(a);
    tcvm__buf_free(&f);
}

TEST(crypto_age_stream_refusals)
{
    tcvm_age_identity_t id = test_identity(9);
    uint8_t *full = pattern(65536);
    tcvm_aead_t *a = payload_aead();
    struct {
        const char *what;
        int chunks; /* layout code, see below */
        tcvm_status_t want;
        const char *msg;
    } cases[] = {
        {"no chunks", 0, TCVM_CRYPTO_AGE_TRUNCATED, "no chunks after the nonce"},
        {"full chunk not marked last, then EOF", 1, TCVM_CRYPTO_DECRYPT,
         "does not authenticate as the final chunk"},
        {"two final chunks", 2, TCVM_CRYPTO_DECRYPT, "data after the final chunk"},
        {"empty final chunk after a full one", 3, TCVM_CRYPTO_DECRYPT, "final chunk is empty"},
        {"chunks swapped", 4, TCVM_CRYPTO_DECRYPT, "chunk 0 does not authenticate"},
        {"trailing garbage", 5, TCVM_CRYPTO_DECRYPT, "does not authenticate as the final"},
        {"chunk shorter than a tag", 6, TCVM_CRYPTO_AGE_TRUNCATED, "shorter than its 16-byte tag"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcvm_buf_t f = {0};
        build_file(&f, &id, "");
        switch (cases[i].chunks) {
        case 0:
            break;
        case 1:
            add_chunk(&f, a, 0, false, full, 65536);
            break;
        case 2:
            add_chunk(&f, a, 0, true, full, 65536);
            add_chunk(&f, a, 1, true, full, 10);
            break;
        case 3:
            add_chunk(&f, a, 0, false, full, 65536);
            add_chunk(&f, a, 1, true, full, 0);
            break;
        case 4:
            add_chunk(&f, a, 1, false, full, 65536);
            add_chunk(&f, a, 0, true, full, 10);
            break;
        case 5:
            add_chunk(&f, a, 0, true, full, 100);
            CHECK_OK(tcvm__buf_append(&f, "garbage", 7));
            break;
        case 6:
            CHECK_OK(tcvm__buf_append(&f, "0123456789", 10));
            break;
        }
        expect_open(&id, &f, cases[i].want, cases[i].msg);
        tcvm__buf_free(&f);
    }
    tcvm__aead_free(a);
    free(full);
}

TEST(crypto_age_truncation_and_tampering)
{
    tcvm_age_identity_t id = test_identity(5);
    tcvm_age_recipient_t r = recipient_of(&id);
    uint8_t *plain = pattern(3 * 65536 + 100);
    uint8_t *sealed;
    size_t size;
    CHECK_OK(tcvm_seal_buffer(&r, 1, 0, plain, 3 * 65536 + 100, &sealed, &size, NULL));
    size_t hdr = tcvm__age_header_end(sealed, size);
    tcvm_buf_t f = {0};
    /* cut at each chunk boundary, inside a chunk, inside the nonce, right after the header */
    size_t cuts[] = {
        hdr, hdr + 8, hdr + 16, hdr + 16 + 65552, hdr + 16 + 2 * 65552, hdr + 16 + 100, size - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        f.size = 0;
        CHECK_OK(tcvm__buf_append(&f, sealed, cuts[i]));
        uint8_t *out = NULL;
        size_t out_size = 0;
        tcvm_error_t err = {0};
        tcvm_status_t st = open_all(&id, f.data, f.size, &out, &out_size, &err);
        CHECK(st == TCVM_CRYPTO_AGE_TRUNCATED || st == TCVM_CRYPTO_DECRYPT);
        CHECK(out == NULL);
        if (strstr(err.message, "truncated") == NULL && strstr(err.message, "altered") == NULL)
            tcvm_test_fail(__FILE__, __LINE__, "cut %zu: %s", i, err.message);
    }
    /* one flipped bit in the middle chunk */
    f.size = 0;
    CHECK_OK(tcvm__buf_append(&f, sealed, size));
    f.data[hdr + 16 + 65552 + 5] ^= 0x10;
    expect_open(&id, &f, TCVM_CRYPTO_DECRYPT, "chunk 1 does not authenticate");
    /* the header MAC covers every stanza */
    f.size = 0;
    CHECK_OK(tcvm__buf_append(&f, TCVM_AGE_VERSION_LINE, strlen(TCVM_AGE_VERSION_LINE)));
    CHECK_OK(tcvm__buf_append(&f, "-> extra\n\n", 10));
    CHECK_OK(tcvm__buf_append(&f, sealed + strlen(TCVM_AGE_VERSION_LINE),
                              size - strlen(TCVM_AGE_VERSION_LINE)));
    expect_open(&id, &f, TCVM_CRYPTO_AGE_MAC, "header MAC does not verify");
    /* a different, well-formed MAC */
    f.size = 0;
    CHECK_OK(tcvm__buf_append(&f, sealed, size));
    f.data[hdr - 2] = f.data[hdr - 2] == 'A' ? 'B' : 'A';
    tcvm_error_t err = {0};
    uint8_t *out = NULL;
    size_t out_size;
    tcvm_status_t st = open_all(&id, f.data, f.size, &out, &out_size, &err);
    CHECK(st == TCVM_CRYPTO_AGE_MAC || st == TCVM_CRYPTO_AGE_MALFORMED);
    tcvm__buf_free(&f);
    tcvm_seal_free(sealed);
    free(plain);
}

/* Parses a header text and checks the failure message. */
static void bad_header(const char *text, tcvm_status_t want, const char *msg)
{
    tcvm_age_header_t h;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm__age_header_parse((const uint8_t *)text, strlen(text), &h, &err);
    if (st != want)
        tcvm_test_fail(__FILE__, __LINE__, "%s: got %s (%s)", msg, tcvm_status_name(st),
                       err.message);
    CHECK_CONTAINS(err.message, msg);
}

#define MAC_LINE "--- YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWY\n"
#define V1 "age-encryption.org/v1\n"

TEST(crypto_age_header_grammar)
{
    tcvm_age_header_t h;
    const char *good = V1 "-> X25519 YWJj\nZGVm\n" MAC_LINE;
    CHECK_OK(tcvm__age_header_parse((const uint8_t *)good, strlen(good), &h, NULL));
    CHECK_EQ(h.stanza_count, 1);
    CHECK_EQ(h.stanzas[0].arg_count, 2);
    CHECK_STREQ(h.stanzas[0].args[1], "YWJj");
    CHECK_EQ(h.stanzas[0].body_size, 3);
    CHECK_EQ(h.mac_input_size, strlen(V1 "-> X25519 YWJj\nZGVm\n---"));
    tcvm__age_header_free(&h);

    bad_header("hello\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "not an age file");
    bad_header("age-encryption.org/v2\n" MAC_LINE, TCVM_EUNSUPPORTED,
               "unsupported age format version \"v2\"");
    bad_header("age-encryption.org/v1\r\n-> a\n\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "CR");
    bad_header(V1 MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "no recipient stanza");
    bad_header(V1 "->  a\n\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "empty stanza argument");
    bad_header(V1 "-> a \n\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "empty stanza argument");
    bad_header(V1 "->\n\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "expected a stanza");
    bad_header(V1 "-> a\xc3\xa9\n\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED,
               "stanza argument contains 0xc3");
    bad_header(V1 "-> a\nZm9vYg==\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "'=' in a stanza body");
    bad_header(V1 "-> a\nZh\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "not canonical base64");
    bad_header(V1 "-> a\nZm9v\r\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "CR in a stanza body");
    bad_header(V1 "-> a\n"
                  "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\n" MAC_LINE,
               TCVM_CRYPTO_AGE_MALFORMED, "longer than 64");
    bad_header(V1 "-> a\n"
                  "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\n" MAC_LINE,
               TCVM_CRYPTO_AGE_MALFORMED, "has no final body line");
    bad_header(V1 "-> a\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "has no final body line");
    bad_header(V1 "-> a\n\n", TCVM_CRYPTO_AGE_MALFORMED, "without its MAC line");
    bad_header(V1 "-> a\n\nxyz\n" MAC_LINE, TCVM_CRYPTO_AGE_MALFORMED, "line 4: expected a stanza");
    bad_header(V1 "-> a\n\n---\n", TCVM_CRYPTO_AGE_MALFORMED, "MAC line must be");
    bad_header(V1 "-> a\n\n---YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWY\n",
               TCVM_CRYPTO_AGE_MALFORMED, "MAC line must be");
    bad_header(V1 "-> a\n\n--- YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWY \n",
               TCVM_CRYPTO_AGE_MALFORMED, "MAC line must be");
    bad_header(V1 "-> a\n\n--- YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWZ\n",
               TCVM_CRYPTO_AGE_MALFORMED, "not canonical base64 of 32 bytes");
    bad_header(V1 "-> a\n\n" MAC_LINE "x", TCVM_CRYPTO_AGE_MALFORMED, "data after the MAC line");
}

/* X25519 stanza shapes an identity must refuse (not skip). */
TEST(crypto_age_x25519_stanza_shape)
{
    tcvm_age_identity_t id = test_identity(9);
    static const struct {
        const char *stanza;
        tcvm_status_t want;
        const char *msg;
    } cases[] = {
        {"-> X25519 AAAA AAAA\nAAAA\n", TCVM_CRYPTO_AGE_MALFORMED, "has 3 arguments, expected 2"},
        {"-> X25519\nAAAA\n", TCVM_CRYPTO_AGE_MALFORMED, "has 1 arguments, expected 2"},
        {"-> X25519 AAAA\nAAAA\n", TCVM_CRYPTO_AGE_MALFORMED, "not canonical base64 of 32 bytes"},
        {"-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB\n"
         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
         TCVM_CRYPTO_AGE_MALFORMED, "not canonical base64 of 32 bytes"},
        {"-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nAAAA\n", TCVM_CRYPTO_AGE_MALFORMED,
         "body is 3 bytes, expected 32"},
        {"-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
         TCVM_CRYPTO_AGE_MALFORMED, "low-order point"},
        {"-> scrypt c2FsdHNhbHRzYWx0c2FsdA 10\nAAAA\n", TCVM_EUNSUPPORTED, "scrypt"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcvm_buf_t f = {0};
        add_header(&f, cases[i].stanza);
        CHECK_OK(tcvm__buf_append(&f, chosen_nonce, 16));
        expect_open(&id, &f, cases[i].want, cases[i].msg);
        tcvm__buf_free(&f);
    }
}

/* Armors the sealed file by hand, line length and endings under the test's control. */
static void armor(tcvm_buf_t *out, const uint8_t *bin, size_t size, size_t line_chars,
                  const char *eol)
{
    char *b64 = malloc(tcvm__b64_encoded_size(size, true) + 1);
    tcvm__b64_encode(bin, size, true, b64);
    CHECK_OK(tcvm__buf_printf(out, "%s%s", TCVM_AGE_ARMOR_BEGIN, eol));
    size_t n = strlen(b64);
    for (size_t i = 0; i < n; i += line_chars) {
        size_t k = n - i < line_chars ? n - i : line_chars;
        CHECK_OK(tcvm__buf_append(out, b64 + i, k));
        CHECK_OK(tcvm__buf_append(out, eol, strlen(eol)));
    }
    CHECK_OK(tcvm__buf_printf(out, "%s%s", TCVM_AGE_ARMOR_END, eol));
    free(b64);
}

TEST(crypto_age_armor)
{
    tcvm_age_identity_t id = test_identity(4);
    tcvm_age_recipient_t r = recipient_of(&id);
    uint8_t *sealed;
    size_t size;
    CHECK_OK(tcvm_seal_buffer(&r, 1, 0, "armored", 7, &sealed, &size, NULL));
    tcvm_buf_t f = {0};
    /* CRLF line ends and whitespace around the block are accepted */
    CHECK_OK(tcvm__buf_append(&f, "\n\r  \t\n", 6));
    armor(&f, sealed, size, 64, "\r\n");
    CHECK_OK(tcvm__buf_append(&f, " \n\n", 3));
    expect_open(&id, &f, TCVM_OK, NULL);
    struct {
        size_t line;
        const char *before, *after, *msg;
    } cases[] = {
        {32, "", "", "a line follows the short (last) base64 line"},
        {68, "", "", "1 to 64 characters"},
        {64, "junk\n", "", "not an age file"},
        {64, "", "junk", "data after"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f.size = 0;
        CHECK_OK(tcvm__buf_append(&f, cases[i].before, strlen(cases[i].before)));
        armor(&f, sealed, size, cases[i].line, "\n");
        CHECK_OK(tcvm__buf_append(&f, cases[i].after, strlen(cases[i].after)));
        expect_open(&id, &f, TCVM_CRYPTO_AGE_MALFORMED, cases[i].msg);
    }
    /* the label is case-sensitive; END is required; no whitespace at a line end */
    const char *lower =
        "-----BEGIN age encrypted file-----\nYWJj\n-----END age encrypted file-----\n";
    f.size = 0;
    CHECK_OK(tcvm__buf_append(&f, lower, strlen(lower)));
    expect_open(&id, &f, TCVM_CRYPTO_AGE_MALFORMED, "expected \"-----BEGIN AGE ENCRYPTED FILE");
    const char *no_end = "-----BEGIN AGE ENCRYPTED FILE-----\nYWJj\n";
    f.size = 0;
    CHECK_OK(tcvm__buf_append(&f, no_end, strlen(no_end)));
    expect_open(&id, &f, TCVM_CRYPTO_AGE_MALFORMED, "no \"-----END AGE ENCRYPTED FILE-----\"");
    const char *space =
        "-----BEGIN AGE ENCRYPTED FILE-----\nYWJj \n-----END AGE ENCRYPTED FILE-----\n";
    f.size = 0;
    CHECK_OK(tcvm__buf_append(&f, space, strlen(space)));
    expect_open(&id, &f, TCVM_CRYPTO_AGE_MALFORMED, "not canonical padded base64");
    const char *empty = "-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----";
    f.size = 0;
    CHECK_OK(tcvm__buf_append(&f, empty, strlen(empty)));
    expect_open(&id, &f, TCVM_CRYPTO_AGE_MALFORMED, "armor holds no data");
    tcvm__buf_free(&f);
    tcvm_seal_free(sealed);
}

TEST(crypto_age_open_file_all_or_nothing)
{
    tcvm_age_identity_t id = test_identity(6);
    tcvm_age_recipient_t r = recipient_of(&id);
    char dir[] = "/tmp/tcvm-age-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char in[300], out[300], sealed_path[300];
    snprintf(in, sizeof in, "%s/plain", dir);
    snprintf(sealed_path, sizeof sealed_path, "%s/plain.age", dir);
    snprintf(out, sizeof out, "%s/opened", dir);
    uint8_t *plain = pattern(200000);
    FILE *fp = fopen(in, "wb");
    CHECK(fp != NULL);
    CHECK_EQ(fwrite(plain, 1, 200000, fp), 200000);
    fclose(fp);
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_seal_file(&r, 1, 0, in, sealed_path, &err));
    CHECK_OK(tcvm_open_file(&id, 1, sealed_path, out, &err));
    struct stat st;
    CHECK_EQ(stat(out, &st), 0);
    CHECK_EQ(st.st_size, 200000);
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK_EQ(unlink(out), 0);
    /* truncate the sealed file: the output must not appear at all */
    CHECK_EQ(truncate(sealed_path, 150000), 0);
    CHECK_STATUS(tcvm_open_file(&id, 1, sealed_path, out, &err), TCVM_CRYPTO_DECRYPT);
    CHECK_CONTAINS(err.message, sealed_path);
    CHECK_CONTAINS(err.message, "truncated");
    CHECK(access(out, F_OK) != 0);
    /* nor any temporary file beside it */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 2", dir);
    CHECK_EQ(system(cmd), 0);
    CHECK_STATUS(tcvm_open_file(&id, 1, "/nonexistent/x.age", out, &err), TCVM_ENOENT);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ(system(cmd), 0);
    free(plain);
}

TEST(crypto_age_failed_objects_stay_failed)
{
    tcvm_age_identity_t id = test_identity(8);
    tcvm_buf_t got = {0};
    tcvm_opener_t *o;
    CHECK_OK(tcvm_open_begin(&id, 1, buf_sink, &got, &o));
    CHECK_STATUS(tcvm_open_update(o, "not an age file at all\n", 23), TCVM_CRYPTO_AGE_MALFORMED);
    CHECK_STATUS(tcvm_open_update(o, "more", 4), TCVM_CRYPTO_AGE_MALFORMED);
    CHECK_STATUS(tcvm_open_finish(o), TCVM_CRYPTO_AGE_MALFORMED);
    CHECK_CONTAINS(tcvm_open_error(o)->message, "not an age file");
    tcvm_open_destroy(o);
    CHECK_OK(tcvm_open_begin(&id, 1, buf_sink, &got, &o));
    CHECK_STATUS(tcvm_open_finish(o), TCVM_CRYPTO_AGE_MALFORMED);
    CHECK_CONTAINS(tcvm_open_error(o)->message, "empty");
    tcvm_open_destroy(o);
    CHECK_EQ(got.size, 0);
    /* the sealer refuses to continue after finishing */
    tcvm_age_recipient_t r = recipient_of(&id);
    tcvm_sealer_t *s;
    CHECK_OK(tcvm_seal_begin(&r, 1, 0, buf_sink, &got, &s, NULL));
    CHECK_OK(tcvm_seal_finish(s));
    CHECK_STATUS(tcvm_seal_update(s, "x", 1), TCVM_ESTATE);
    tcvm_seal_destroy(s);
    CHECK_STATUS(tcvm_seal_begin(&r, 0, 0, buf_sink, &got, &s, NULL), TCVM_EINVAL);
    tcvm__buf_free(&got);
}

TEST(crypto_age_low_order_recipient)
{
    tcvm_age_recipient_t zero = {{0}};
    uint8_t *out;
    size_t size;
    tcvm_error_t err = {0};
    CHECK_STATUS(tcvm_seal_buffer(&zero, 1, 0, "x", 1, &out, &size, &err), TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "recipient 1 is a low-order point");
}
