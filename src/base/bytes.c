/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Byte-level helpers: LEB128 decoding for the cursor, UTF-8 validation, hex, constant-time
 * comparison, secret wiping and whole-file reads.
 */
#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

tcvm_status_t tcvm__cur_uleb(tcvm_cursor_t *c, unsigned bits, uint64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    size_t pos = c->pos;
    unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (pos >= c->size)
            return TCVM_ETRUNC;
        uint8_t byte = c->data[pos++];
        if (i == max_bytes - 1) {
            if (byte & 0x80)
                return TCVM_EFORMAT;
            unsigned used = bits - shift; /* bits still available in this byte */
            if (used < 7 && (byte >> used) != 0)
                return TCVM_EOVERFLOW;
            result |= (uint64_t)byte << shift;
            break;
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
    }
    c->pos = pos;
    *out = result;
    return TCVM_OK;
}

tcvm_status_t tcvm__cur_sleb(tcvm_cursor_t *c, unsigned bits, int64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    size_t pos = c->pos;
    unsigned max_bytes = (bits + 6) / 7;
    uint8_t byte;
    for (unsigned i = 0;; i++) {
        if (pos >= c->size)
            return TCVM_ETRUNC;
        byte = c->data[pos++];
        if (i == max_bytes - 1) {
            if (byte & 0x80)
                return TCVM_EFORMAT;
            unsigned used = bits - shift; /* value bits in this byte, sign bit included */
            if (used < 7) {
                /* the bits above the sign bit must all equal the sign bit */
                int sign = (byte >> (used - 1)) & 1;
                uint8_t top = (uint8_t)(byte & 0x7f) >> used;
                uint8_t want = sign ? (uint8_t)(0x7f >> used) : 0;
                if (top != want)
                    return TCVM_EOVERFLOW;
            }
            result |= (uint64_t)(byte & 0x7f) << shift;
            shift += 7;
            break;
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
    }
    if (shift < 64 && (byte & 0x40))
        result |= ~(uint64_t)0 << shift;
    c->pos = pos;
    *out = (int64_t)result;
    return TCVM_OK;
}

bool tcvm__utf8_valid(const uint8_t *s, size_t size)
{
    size_t i = 0;
    while (i < size) {
        uint8_t b = s[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (b >= 0xc2 && b <= 0xdf) {
            n = 1;
            cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
            n = 2;
            cp = b & 0x0f;
        } else if (b >= 0xf0 && b <= 0xf4) {
            n = 3;
            cp = b & 0x07;
        } else {
            return false;
        }
        if (size - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            uint8_t cb = s[i + k];
            if ((cb & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (cb & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

bool tcvm__ct_equal(const void *a, const void *b, size_t size)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t acc = 0;
    for (size_t i = 0; i < size; i++)
        acc |= (uint8_t)(x[i] ^ y[i]);
    return acc == 0;
}

void tcvm__wipe(void *ptr, size_t size)
{
    if (ptr == NULL || size == 0)
        return;
    explicit_bzero(ptr, size);
}

void tcvm__hex_encode(const uint8_t *data, size_t size, char *out, size_t out_size)
{
    static const char digits[] = "0123456789abcdef";
    if (out_size == 0)
        return;
    size_t n = 0;
    for (size_t i = 0; i < size && n + 2 < out_size; i++) {
        out[n++] = digits[data[i] >> 4];
        out[n++] = digits[data[i] & 15];
    }
    out[n] = '\0';
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

bool tcvm__hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_size)
{
    if (hex_len != out_size * 2)
        return false;
    for (size_t i = 0; i < out_size; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

tcvm_status_t tcvm__read_file(const char *path, size_t max_size, uint8_t **out_data,
                              size_t *out_size, tcvm_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tcvm__errorf(err, errno == ENOENT ? TCVM_ENOENT : TCVM_EIO, "%s: %s", path,
                            strerror(errno));
    tcvm_buf_t buf = {0};
    tcvm_status_t st = TCVM_OK;
    for (;;) {
        if (buf.size > max_size) {
            st = tcvm__errorf(err, TCVM_ELIMIT, "%s: larger than the limit of %zu bytes", path,
                              max_size);
            goto fail;
        }
        st = tcvm__buf_reserve(&buf, 65536);
        if (st != TCVM_OK) {
            tcvm__errorf(err, st, "%s: out of memory reading file", path);
            goto fail;
        }
        ssize_t n = read(fd, buf.data + buf.size, buf.cap - buf.size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = tcvm__errorf(err, TCVM_EIO, "%s: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        buf.size += (size_t)n;
    }
    if (buf.size > max_size) {
        st = tcvm__errorf(err, TCVM_ELIMIT, "%s: larger than the limit of %zu bytes", path,
                          max_size);
        goto fail;
    }
    close(fd);
    *out_data = buf.data;
    *out_size = buf.size;
    return TCVM_OK;
fail:
    close(fd);
    tcvm__buf_free(&buf);
    return st;
}
