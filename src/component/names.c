/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Import and export names of components: kebab-case labels (fragments all lowercase or all
 * uppercase, the first starting with a letter), the annotated forms [constructor]L,
 * [method]L.L and [static]L.L, interface names ns:pkg/iface with an optional semver version,
 * and (imports only) the dependency, URL and integrity forms. Names compare case-insensitively
 * for uniqueness, as the component model requires.
 */
#include "component/comp_internal.h"

#include <strings.h>

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}
static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* label: fragments separated by '-', each all [a-z0-9] or all [A-Z0-9], the first starting
 * with a letter. lower_only: words of namespaces and packages (no uppercase). */
static bool label_ok(const char *s, size_t n, bool lower_only)
{
    if (n == 0) return false;
    size_t i = 0;
    bool first = true;
    while (i <= n) {
        size_t st = i;
        int kase = 0;
        while (i < n && s[i] != '-') {
            char c = s[i];
            if (is_lower(c)) {
                if (kase == 2) return false;
                kase = 1;
            } else if (is_upper(c)) {
                if (kase == 1 || lower_only) return false;
                kase = 2;
            } else if (!is_digit(c)) {
                return false;
            }
            i++;
        }
        if (i == st) return false;
        if (first && !(is_lower(s[st]) || is_upper(s[st]))) return false;
        first = false;
        if (i == n) break;
        i++; /* '-' */
        if (i == n) return false;
    }
    return true;
}

bool tcvm__wit_ident(const char *s, size_t size)
{
    return label_ok(s, size, false);
}

static bool num_ok(const char *s, size_t n)
{
    if (n == 0) return false;
    if (n > 1 && s[0] == '0') return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i])) return false;
    return true;
}

/* dot-separated identifiers of [0-9A-Za-z-], none empty */
static bool idents_ok(const char *s, size_t n)
{
    if (n == 0) return false;
    size_t st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (i == st) return false;
            st = i + 1;
        } else if (!(is_lower(s[i]) || is_upper(s[i]) || is_digit(s[i]) || s[i] == '-')) {
            return false;
        }
    }
    return true;
}

static bool semver_ok(const char *s, size_t n)
{
    size_t i = 0, part = 0, st = 0;
    for (; i <= n && part < 3; i++) {
        if (i == n || s[i] == '.' || (part == 2 && (s[i] == '-' || s[i] == '+'))) {
            if (!num_ok(s + st, i - st)) return false;
            part++;
            st = i + 1;
            if (part == 3 || i == n || s[i] != '.') break;
        }
    }
    if (part != 3) return false;
    if (i == n) return true;
    const char *rest = s + i;
    size_t rn = n - i;
    const char *plus = memchr(rest, '+', rn);
    if (rest[0] == '-') {
        size_t pn = plus ? (size_t)(plus - rest) - 1 : rn - 1;
        if (!idents_ok(rest + 1, pn)) return false;
    } else if (rest[0] != '+') {
        return false;
    }
    if (plus) return idents_ok(plus + 1, rn - (size_t)(plus - rest) - 1);
    return true;
}

static bool interface_ok(const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    if (!colon) return false;
    size_t ns = (size_t)(colon - s);
    if (!label_ok(s, ns, true)) return false;
    const char *rest = colon + 1;
    size_t rn = n - ns - 1;
    const char *at = memchr(rest, '@', rn);
    size_t body = at ? (size_t)(at - rest) : rn;
    const char *slash = memchr(rest, '/', body);
    if (!slash) return false;
    size_t pk = (size_t)(slash - rest);
    if (!label_ok(rest, pk, true)) return false;                  /* also refuses a second ':' */
    if (!label_ok(slash + 1, body - pk - 1, false)) return false; /* refuses a second '/' */
    if (at && !semver_ok(at + 1, rn - body - 1)) return false;
    return true;
}

/* prefix<...> where the text ends with '>' or continues with ",integrity=<...>" */
static bool bracketed(const char *s, size_t n, const char *prefix, const char **in, size_t *in_n)
{
    size_t pl = strlen(prefix);
    if (n < pl + 1 || memcmp(s, prefix, pl) != 0) return false;
    size_t end = n;
    const char *integ = NULL;
    for (size_t i = pl; i + 11 < n; i++)
        if (memcmp(s + i, ">,integrity=", 12) == 0) integ = s + i;
    if (integ) end = (size_t)(integ - s) + 1;
    if (s[end - 1] != '>') return false;
    *in = s + pl;
    *in_n = end - 1 - pl;
    return true;
}

bool tcvm__extern_name_ok(const char *s, size_t n, bool import)
{
    const char *in;
    size_t in_n;
    if (n == 0) return false;
    if (s[0] == '[') {
        static const char *const ann[] = {"[constructor]", "[method]", "[static]"};
        for (int k = 0; k < 3; k++) {
            size_t al = strlen(ann[k]);
            if (n <= al || memcmp(s, ann[k], al) != 0) continue;
            const char *l = s + al;
            size_t ln = n - al;
            if (k == 0) return label_ok(l, ln, false);
            const char *dot = memchr(l, '.', ln);
            if (!dot) return false;
            return label_ok(l, (size_t)(dot - l), false) &&
                   label_ok(dot + 1, ln - (size_t)(dot - l) - 1, false);
        }
        return false;
    }
    if (memchr(s, ':', n) && !memchr(s, '<', n)) return interface_ok(s, n);
    if (!import) return label_ok(s, n, false);
    if (bracketed(s, n, "url=<", &in, &in_n)) return memchr(in, '<', in_n) == NULL;
    if (bracketed(s, n, "unlocked-dep=<", &in, &in_n) ||
        bracketed(s, n, "locked-dep=<", &in, &in_n) || bracketed(s, n, "integrity=<", &in, &in_n))
        return in_n > 0;
    return label_ok(s, n, false);
}

bool tcvm__extern_name_eq(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn) return false;
    /* URL, dependency and integrity names compare exactly; kebab names ignoring case */
    if (memchr(a, '<', an) || memchr(b, '<', bn)) return memcmp(a, b, an) == 0;
    return strncasecmp(a, b, an) == 0;
}
