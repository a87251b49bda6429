/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict base64 and Bech32. Both are encodings, not cryptography; they live here because keys
 * and age files are their only users. The decoders are written against hostile input: lengths
 * are checked before any write, and non-canonical spellings are refused.
 */
#include "crypto/codec.h"

#include <stdio.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

bool tcvm__b64_char(char c)
{
    return b64_value(c) >= 0;
}

size_t tcvm__b64_encoded_size(size_t size, bool pad)
{
    if (pad) return (size + 2) / 3 * 4;
    return size / 3 * 4 + (size % 3 == 0 ? 0 : size % 3 + 1);
}

void tcvm__b64_encode(const uint8_t *data, size_t size, bool pad, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= size; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (size - i == 1) {
        uint32_t v = (uint32_t)data[i] << 16;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        if (pad) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (size - i == 2) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        if (pad) out[o++] = '=';
    }
    out[o] = '\0';
}

bool tcvm__b64_decode(const char *s, size_t len, bool pad, uint8_t *out, size_t out_cap,
                      size_t *out_size)
{
    size_t n = len; /* characters that carry data */
    if (pad) {
        if (len % 4 != 0) return false;
        if (n > 0 && s[n - 1] == '=') n--;
        if (n > 0 && s[n - 1] == '=') n--;
        /* "xx=" with one '=' short would leave a 3-character tail that needs no padding */
        if (len - n == 1 && n % 4 != 3) return false;
        if (len - n == 2 && n % 4 != 2) return false;
    }
    if (n % 4 == 1) return false;
    size_t need = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
    if (need > out_cap) return false;
    size_t o = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        int a = b64_value(s[i]), b = b64_value(s[i + 1]), c = b64_value(s[i + 2]),
            d = b64_value(s[i + 3]);
        if ((a | b | c | d) < 0) return false;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)v;
    }
    if (n - i == 2) {
        int a = b64_value(s[i]), b = b64_value(s[i + 1]);
        if ((a | b) < 0 || (b & 15) != 0) return false;
        out[o++] = (uint8_t)(a << 2 | b >> 4);
    } else if (n - i == 3) {
        int a = b64_value(s[i]), b = b64_value(s[i + 1]), c = b64_value(s[i + 2]);
        if ((a | b | c) < 0 || (c & 3) != 0) return false;
        out[o++] = (uint8_t)(a << 2 | b >> 4);
        out[o++] = (uint8_t)((b & 15) << 4 | c >> 2);
    }
    *out_size = o;
    return true;
}

/* ---- Bech32 (BIP-173) ------------------------------------------------------------------ */

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

#define BECH32_MAX_HRP 83u
#define BECH32_CHECKSUM 6u

static uint32_t bech32_polymod_step(uint32_t chk, uint8_t v)
{
    static const uint32_t gen[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu,
                                    0x2a1462b3u};
    uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffffu) << 5 ^ v;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1) chk ^= gen[i];
    return chk;
}

/* Checksum state after the expanded lowercase HRP. */
static uint32_t bech32_hrp_state(const char *hrp, size_t hrp_len)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < hrp_len; i++) {
        char c = hrp[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        chk = bech32_polymod_step(chk, (uint8_t)((uint8_t)c >> 5));
    }
    chk = bech32_polymod_step(chk, 0);
    for (size_t i = 0; i < hrp_len; i++) {
        char c = hrp[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        chk = bech32_polymod_step(chk, (uint8_t)((uint8_t)c & 31));
    }
    return chk;
}

static char case_of(char c, bool upper)
{
    if (upper && c >= 'a' && c <= 'z') return (char)(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') return (char)(c - 'A' + 'a');
    return c;
}

tcvm_status_t tcvm__bech32_encode(const char *hrp, const uint8_t *data, size_t size, bool upper,
                                  char *out, size_t out_size)
{
    size_t hrp_len = strlen(hrp);
    size_t groups = (size * 8 + 4) / 5;
    size_t total;
    if (hrp_len == 0 || hrp_len > BECH32_MAX_HRP || !tcvm__size_add(hrp_len, groups, &total) ||
        !tcvm__size_add(total, 1 + BECH32_CHECKSUM + 1, &total) || total > out_size)
        return TCVM_ELIMIT;
    for (size_t i = 0; i < hrp_len; i++) {
        if ((uint8_t)hrp[i] < 33 || (uint8_t)hrp[i] > 126) return TCVM_EINVAL;
    }
    uint32_t chk = bech32_hrp_state(hrp, hrp_len);
    size_t o = 0;
    for (size_t i = 0; i < hrp_len; i++)
        out[o++] = case_of(hrp[i], upper);
    out[o++] = case_of('1', upper);
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < size; i++) {
        acc = acc << 8 | data[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            uint8_t v = (uint8_t)((acc >> bits) & 31);
            chk = bech32_polymod_step(chk, v);
            out[o++] = case_of(bech32_charset[v], upper);
        }
    }
    if (bits > 0) {
        uint8_t v = (uint8_t)((acc << (5 - bits)) & 31);
        chk = bech32_polymod_step(chk, v);
        out[o++] = case_of(bech32_charset[v], upper);
    }
    for (unsigned i = 0; i < BECH32_CHECKSUM; i++)
        chk = bech32_polymod_step(chk, 0);
    chk ^= 1;
    for (unsigned i = 0; i < BECH32_CHECKSUM; i++)
        out[o++] = case_of(bech32_charset[(chk >> (5 * (5 - i))) & 31], upper);
    out[o] = '\0';
    return TCVM_OK;
}

static int bech32_value(char c)
{
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    const char *p = memchr(bech32_charset, c, 32);
    return p == NULL || c == '\0' ? -1 : (int)(p - bech32_charset);
}

tcvm_status_t tcvm__bech32_decode(const char *s, size_t len, char *hrp, size_t hrp_cap,
                                  uint8_t *data, size_t data_cap, size_t *out_size,
                                  tcvm_error_t *err)
{
    const tcvm_status_t bad = TCVM_CRYPTO_AGE_MALFORMED;
    if (len > TCVM_AGE_MAX_KEY_TEXT)
        return tcvm__errorf(err, bad, "bech32: longer than %u characters", TCVM_AGE_MAX_KEY_TEXT);
    bool lower = false, upper = false;
    size_t sep = len;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 33 || c > 126)
            return tcvm__errorf(err, bad,
                                "bech32: character 0x%02x at position %zu is not "
                                "printable ASCII",
                                c, i);
        if (c >= 'a' && c <= 'z') lower = true;
        if (c >= 'A' && c <= 'Z') upper = true;
        if (c == '1') sep = i;
    }
    if (lower && upper) return tcvm__errorf(err, bad, "bech32: mixes upper and lower case");
    if (sep == len) return tcvm__errorf(err, bad, "bech32: no '1' separator");
    if (sep == 0) return tcvm__errorf(err, bad, "bech32: empty human-readable part");
    if (sep > BECH32_MAX_HRP)
        return tcvm__errorf(err, bad, "bech32: human-readable part longer than %u characters",
                            BECH32_MAX_HRP);
    size_t dlen = len - sep - 1;
    if (dlen < BECH32_CHECKSUM)
        return tcvm__errorf(err, bad, "bech32: data part shorter than its 6-character checksum");
    if (sep + 1 > hrp_cap)
        return tcvm__errorf(err, bad, "bech32: unexpected human-readable part length %zu", sep);
    uint8_t tmp[TCVM_AGE_MAX_KEY_TEXT * 5 / 8 + 1]; /* data is written only on success */
    tcvm_status_t st = TCVM_OK;
    uint32_t chk = bech32_hrp_state(s, sep);
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    size_t payload_chars = dlen - BECH32_CHECKSUM;
    for (size_t i = 0; i < dlen; i++) {
        int v = bech32_value(s[sep + 1 + i]);
        if (v < 0) {
            st = tcvm__errorf(err, bad, "bech32: '%c' at position %zu is not a bech32 character",
                              s[sep + 1 + i], sep + 1 + i);
            goto wipe_tmp;
        }
        chk = bech32_polymod_step(chk, (uint8_t)v);
        if (i >= payload_chars) continue;
        acc = (acc << 5 | (uint32_t)v) & 0xfff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (o >= data_cap) {
                st = tcvm__errorf(err, bad, "bech32: payload longer than %zu bytes", data_cap);
                goto wipe_tmp;
            }
            tmp[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (chk != 1) {
        st = tcvm__errorf(err, bad,
                          "bech32: checksum does not match (a character is wrong or "
                          "missing)");
        goto wipe_tmp;
    }
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0) {
        st = tcvm__errorf(err, bad, "bech32: invalid padding at the end of the data part");
        goto wipe_tmp;
    }
    for (size_t i = 0; i < sep; i++)
        hrp[i] = case_of(s[i], false);
    hrp[sep] = '\0';
    memcpy(data, tmp, o);
    *out_size = o;
wipe_tmp:
    tcvm__wipe(tmp, o); /* secret keys pass through here */
    return st;
}
