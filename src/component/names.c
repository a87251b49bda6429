/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Import and export names of components, checked against the grammar of the component model's
 * Explainer ("Import and Export Definitions") and the dependency forms wasm-tools accepts:
 *
 *   label        kebab case: fragments of [a-z0-9] or [A-Z0-9] joined by '-', the first
 *                starting with a letter
 *   annotated    [constructor]L, [method]R.L, [static]R.L
 *   interface    ns:pkg/iface[@semver]; with TCVM__NAME_NESTED (gated in the specification)
 *                ns:ns:...:pkg/iface/iface...[@semver]; namespaces and packages are lowercase
 *   dependency   (imports only) unlocked-dep=<pkgpath[@verrange]>,
 *                locked-dep=<pkgpath[@semver]>[,integrity=<...>]
 *   URL          (imports only) url=<text without '<' or '>'>[,integrity=<...>]
 *   integrity    (imports only) integrity=<hash ...>, a Subresource Integrity list: tokens
 *                separated by whitespace, each sha256|sha384|sha512 '-' base64 ['?' options]
 *
 * verrange is '*', '{>=V}', '{<V}' or '{>=V <V}'; V and semver are Semantic Versioning 2.0.
 * The base64 of an integrity hash follows the SRI grammar (one or more of [A-Za-z0-9+/], then at
 * most two '='), not RFC 4648 decoding: the test suites accept "sha256-a", which no strict
 * decoder (OpenSSL's EVP_DecodeBlock/EVP_DecodeFinal included) takes, since its length is not a
 * multiple of four.
 *
 * Names are untrusted bytes: every read is bounded by the size, nothing is allocated, and a
 * failure says which part of the name is wrong and at which byte.
 *
 * Uniqueness is the Explainer's "strongly-unique" rule without its hyphen removal (see
 * canon_eq and tcvm__extern_name_eq).
 */
#include "component/comp_internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

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
static bool is_alnum(char c)
{
    return is_lower(c) || is_upper(c) || is_digit(c);
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

/* ---- Semantic Versioning 2.0 ------------------------------------------------------------ */

/* A numeric identifier: digits, no leading zero unless it is "0". */
static bool numeric_ok(const char *s, size_t n)
{
    if (n == 0 || (n > 1 && s[0] == '0')) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i])) return false;
    return true;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty; in a pre-release, an all-digit one
 * has no leading zero. NULL when fine, else what is wrong. */
static const char *idents_problem(const char *s, size_t n, bool prerelease)
{
    size_t st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!(is_alnum(s[i]) || s[i] == '-')) return "a character outside [0-9A-Za-z.-]";
            continue;
        }
        if (i == st) return "an empty identifier";
        bool digits = true;
        for (size_t k = st; k < i; k++)
            digits = digits && is_digit(s[k]);
        if (prerelease && digits && !numeric_ok(s + st, i - st))
            return "a numeric pre-release identifier with a leading zero";
        st = i + 1;
    }
    return NULL;
}

/* NULL when s is MAJOR.MINOR.PATCH[-pre][+build], else what is wrong. */
static const char *semver_problem(const char *s, size_t n)
{
    if (n == 0) return "it is empty";
    size_t i = 0;
    for (int part = 0; part < 3; part++) {
        size_t st = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == st) return "expected MAJOR.MINOR.PATCH of digits";
        if (!numeric_ok(s + st, i - st)) return "a version number has a leading zero";
        if (part < 2) {
            if (i == n || s[i] != '.') return "expected MAJOR.MINOR.PATCH of digits";
            i++;
        }
    }
    if (i == n) return NULL;
    const char *plus = memchr(s + i, '+', n - i);
    size_t pre_end = plus ? (size_t)(plus - s) : n;
    if (s[i] == '-') {
        const char *why = idents_problem(s + i + 1, pre_end - i - 1, true);
        if (why) return why;
    } else if (s[i] != '+') {
        return "expected '-' (pre-release) or '+' (build) after MAJOR.MINOR.PATCH";
    }
    if (plus) return idents_problem(plus + 1, n - pre_end - 1, false);
    return NULL;
}

/* ---- the parser --------------------------------------------------------------------------- */

/* A cursor over one name; why receives the first failure. */
typedef struct name_parser {
    const char *s;
    size_t n;
    size_t pos;
    unsigned flags;
    char *why;
    size_t why_size;
} name_parser_t;

/* Longest part of a name quoted in a message. */
#define NAME_PART_SHOWN 64

static bool failf(name_parser_t *p, const char *fmt, ...) TCVM__PRINTF(2, 3);
static bool failf(name_parser_t *p, const char *fmt, ...)
{
    if (p->why_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->why, p->why_size, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Says that the part [at, at + len) of the name, a `what`, is wrong as `problem`. */
static bool fail_part(name_parser_t *p, size_t at, size_t len, const char *what,
                      const char *problem)
{
    if (len == 0) return failf(p, "the %s at byte %zu is empty", what, at);
    int shown = len > NAME_PART_SHOWN ? NAME_PART_SHOWN : (int)len;
    return failf(p, "the %s `%.*s%s` at byte %zu %s", what, shown, p->s + at,
                 len > NAME_PART_SHOWN ? "..." : "", at, problem);
}

static bool at_end(const name_parser_t *p)
{
    return p->pos == p->n;
}

static char peek(const name_parser_t *p)
{
    return p->pos < p->n ? p->s[p->pos] : '\0';
}

static bool eat(name_parser_t *p, const char *lit)
{
    size_t l = strlen(lit);
    if (p->n - p->pos < l || memcmp(p->s + p->pos, lit, l) != 0) return false;
    p->pos += l;
    return true;
}

/* The byte at pos for a message: `c` when printable ASCII, else its hex value. */
static const char *shown_byte(const name_parser_t *p, char buf[16])
{
    unsigned char c = (unsigned char)peek(p);
    if (c > 0x20 && c < 0x7f)
        snprintf(buf, 16, "`%c`", c);
    else
        snprintf(buf, 16, "byte 0x%02x", c);
    return buf;
}

static bool expect(name_parser_t *p, const char *lit, const char *context)
{
    char b[16];
    if (eat(p, lit)) return true;
    if (at_end(p)) return failf(p, "expected `%s` %s at the end of the name", lit, context);
    return failf(p, "expected `%s` %s at byte %zu, found %s", lit, context, p->pos,
                 shown_byte(p, b));
}

/* Index of the first byte at or after pos that is one of stops (n when none). */
static size_t span(const name_parser_t *p, const char *stops)
{
    size_t i = p->pos;
    while (i < p->n && (p->s[i] == '\0' || strchr(stops, p->s[i]) == NULL))
        i++;
    return i;
}

/* Takes [pos, end) as a kebab-case label (lower_only: namespace/package words). */
static bool take_label(name_parser_t *p, size_t end, bool lower_only, const char *what)
{
    size_t at = p->pos;
    if (!label_ok(p->s + at, end - at, lower_only))
        return fail_part(p, at, end - at, what,
                         lower_only ? "is not lowercase kebab case (words of [a-z0-9] joined by "
                                      "'-', starting with a letter)"
                                    : "is not in kebab case (fragments of [a-z0-9] or [A-Z0-9] "
                                      "joined by '-', the first starting with a letter)");
    p->pos = end;
    return true;
}

static bool take_semver(name_parser_t *p, size_t end, const char *what)
{
    const char *why = semver_problem(p->s + p->pos, end - p->pos);
    if (why) {
        char problem[160];
        snprintf(problem, sizeof problem, "is not a valid semver (%s)", why);
        return fail_part(p, p->pos, end - p->pos, what, problem);
    }
    p->pos = end;
    return true;
}

/*
 * A package path: namespace ':' package, then '/'-separated projections. stops ends the last
 * part (with ':', '/', '@'). Interface names (interface true) need one projection, dependency
 * names take none; with TCVM__NAME_NESTED there may be several namespaces (a:b:c:pkg) and, for
 * both, several projections.
 */
static bool package_path(name_parser_t *p, const char *stops, bool interface)
{
    bool nested = (p->flags & TCVM__NAME_NESTED) != 0;
    char set[8];
    snprintf(set, sizeof set, ":/@%s", stops);
    size_t end = span(p, set);
    if (!take_label(p, end, true, "namespace")) return false;
    if (!expect(p, ":", "after the namespace")) return false;
    for (;;) {
        end = span(p, set);
        if (!take_label(p, end, true, "package")) return false;
        if (peek(p) != ':') break;
        if (!nested)
            return failf(p,
                         "expected `/` after the package name at byte %zu, found `:` "
                         "(nested namespaces are a gated feature, not enabled)",
                         p->pos);
        p->pos++;
    }
    unsigned projections = 0;
    while (peek(p) == '/') {
        if (!interface && !nested)
            return failf(p,
                         "unexpected `/` at byte %zu: a dependency names a package, not an "
                         "interface",
                         p->pos);
        if (interface && projections == 1 && !nested)
            return failf(p,
                         "trailing characters `/...` at byte %zu after the interface name "
                         "(nested interfaces are a gated feature, not enabled)",
                         p->pos);
        p->pos++;
        end = span(p, set);
        if (!take_label(p, end, false, "interface")) return false;
        projections++;
    }
    if (interface && projections == 0) {
        if (at_end(p)) return failf(p, "expected `/` and an interface after the package name");
        char b[16];
        return failf(p, "expected `/` after the package name at byte %zu, found %s", p->pos,
                     shown_byte(p, b));
    }
    return true;
}

static bool interface_name(name_parser_t *p)
{
    if (!package_path(p, "", true)) return false;
    if (eat(p, "@")) return take_semver(p, p->n, "version");
    char b[16];
    if (!at_end(p))
        return failf(p, "unexpected %s at byte %zu in the interface name", shown_byte(p, b),
                     p->pos);
    return true;
}

/* '*' | '{' '>=' V '}' | '{' '<' V '}' | '{' '>=' V ' ' '<' V '}' */
static bool version_range(name_parser_t *p)
{
    if (eat(p, "*")) return true;
    if (!expect(p, "{", "(or `*`) after `@` in a version range")) return false;
    if (eat(p, ">=")) {
        size_t end = span(p, " }");
        if (!take_semver(p, end, "lower bound")) return false;
        if (eat(p, "}")) return true;
        if (!expect(p, " ", "(or `}`) after the lower bound of the version range")) return false;
        if (!expect(p, "<", "before the upper bound of the version range")) return false;
    } else if (!eat(p, "<")) {
        return failf(p, "expected `>=` or `<` at the start of the version range at byte %zu",
                     p->pos);
    }
    size_t end = span(p, "}");
    if (!take_semver(p, end, "upper bound")) return false;
    return expect(p, "}", "after the version range");
}

/* The SRI base64 of a hash: one or more of [A-Za-z0-9+/], then at most two '='. */
static bool base64_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (is_alnum(s[i]) || s[i] == '+' || s[i] == '/'))
        i++;
    if (i == 0) return false;
    size_t pad = 0;
    while (i < n && s[i] == '=' && pad < 2) {
        i++;
        pad++;
    }
    return i == n;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* '<' integrity-metadata '>' (after "integrity="): whitespace-separated hash expressions. */
static bool integrity(name_parser_t *p)
{
    static const char *const algos[] = {"sha256", "sha384", "sha512"};
    if (!expect(p, "<", "after `integrity=`")) return false;
    size_t end = span(p, ">");
    if (end == p->n) return failf(p, "expected `>` closing the integrity hash at byte %zu", p->pos);
    bool any = false;
    while (p->pos < end) {
        if (is_space(p->s[p->pos])) {
            p->pos++;
            continue;
        }
        size_t tok = p->pos, tok_end = tok;
        while (tok_end < end && !is_space(p->s[tok_end]))
            tok_end++;
        any = true;
        size_t k = 0;
        while (k < 3 && !(tok_end - tok >= 6 && memcmp(p->s + tok, algos[k], 6) == 0))
            k++;
        if (k == 3)
            return fail_part(p, tok, tok_end - tok, "integrity hash",
                             "has an unrecognized hash algorithm (sha256, sha384 or sha512)");
        size_t b64 = tok + 6;
        if (b64 == tok_end || p->s[b64] != '-')
            return fail_part(p, tok, tok_end - tok, "integrity hash",
                             "lacks `-` after the hash algorithm");
        b64++;
        const char *q = memchr(p->s + b64, '?', tok_end - b64);
        size_t b64_end = q ? (size_t)(q - p->s) : tok_end;
        if (!base64_ok(p->s + b64, b64_end - b64))
            return fail_part(p, b64, b64_end - b64, "hash value",
                             "is not valid base64 (one or more of [A-Za-z0-9+/], then at most "
                             "two `=`)");
        p->pos = tok_end;
    }
    if (!any) return failf(p, "the integrity hash at byte %zu is empty", p->pos);
    p->pos = end + 1;
    return true;
}

static bool trailing(name_parser_t *p)
{
    size_t left = p->n - p->pos;
    int shown = left > NAME_PART_SHOWN ? NAME_PART_SHOWN : (int)left;
    return failf(p, "trailing characters `%.*s%s` at byte %zu", shown, p->s + p->pos,
                 left > NAME_PART_SHOWN ? "..." : "", p->pos);
}

/* After a locked dependency or a URL: nothing, or ",integrity=<...>". */
static bool optional_integrity(name_parser_t *p)
{
    if (at_end(p)) return true;
    if (!eat(p, ",")) return trailing(p);
    if (!expect(p, "integrity=", "after `,`")) return false;
    return integrity(p);
}

static bool import_only_name(name_parser_t *p)
{
    if (eat(p, "unlocked-dep=")) {
        if (!expect(p, "<", "after `unlocked-dep=`")) return false;
        if (!package_path(p, ">", false)) return false;
        if (eat(p, "@") && !version_range(p)) return false;
        return expect(p, ">", "closing the dependency");
    }
    if (eat(p, "locked-dep=")) {
        if (!expect(p, "<", "after `locked-dep=`")) return false;
        if (!package_path(p, ">", false)) return false;
        if (eat(p, "@") && !take_semver(p, span(p, ">"), "version")) return false;
        if (!expect(p, ">", "closing the dependency")) return false;
        return optional_integrity(p);
    }
    if (eat(p, "url=")) {
        if (!expect(p, "<", "after `url=`")) return false;
        size_t end = span(p, "<>");
        if (end < p->n && p->s[end] == '<')
            return failf(p, "a URL cannot contain `<` (byte %zu)", end);
        p->pos = end;
        if (!expect(p, ">", "closing the URL")) return false;
        return optional_integrity(p);
    }
    if (eat(p, "integrity=")) return integrity(p);
    return false; /* not reached: the caller matched a prefix */
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
    size_t l = strlen(prefix);
    return n >= l && memcmp(s, prefix, l) == 0;
}

static bool is_import_only(const char *s, size_t n)
{
    return has_prefix(s, n, "unlocked-dep=") || has_prefix(s, n, "locked-dep=") ||
           has_prefix(s, n, "url=") || has_prefix(s, n, "integrity=");
}

static bool extern_name(name_parser_t *p)
{
    if (p->n == 0) return failf(p, "the name is empty");
    if (peek(p) == '[') {
        if (eat(p, "[constructor]")) return take_label(p, p->n, false, "resource");
        if (eat(p, "[method]") || eat(p, "[static]")) {
            size_t dot = span(p, ".");
            if (dot == p->n)
                return failf(p, "expected `.` between the resource and the function name");
            if (!take_label(p, dot, false, "resource")) return false;
            p->pos++;
            return take_label(p, p->n, false, "function name");
        }
        size_t close = span(p, "]");
        return fail_part(p, 0, close < p->n ? close + 1 : p->n, "annotation",
                         "is not [constructor], [method] or [static]");
    }
    if (is_import_only(p->s, p->n)) {
        if (!(p->flags & TCVM__NAME_IMPORT))
            return failf(p, "only an import may be a dependency, URL or integrity name");
        return import_only_name(p);
    }
    if (memchr(p->s, ':', p->n)) return interface_name(p);
    return take_label(p, p->n, false, "label");
}

bool tcvm__extern_name_check(const char *name, size_t size, unsigned flags, char *why,
                             size_t why_size)
{
    name_parser_t p = {name, size, 0, flags, why, why_size};
    if (why_size > 0) why[0] = '\0';
    if (!extern_name(&p)) return false;
    return at_end(&p) || trailing(&p);
}

/* ---- strong uniqueness -------------------------------------------------------------------- */

static char fold(char c)
{
    return is_upper(c) ? (char)(c - 'A' + 'a') : c;
}

/*
 * Equal ignoring ASCII case. The Explainer's step 1 also removes hyphens ("foobar" would clash
 * with "foo-bar"), but the component model's own test suite (test/validation/kebab.wast) and
 * wasm-tools hold "a1" and "a-1" distinct in one component; the tests are followed here.
 */
static bool canon_eq(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn) return false;
    for (size_t i = 0; i < an; i++)
        if (fold(a[i]) != fold(b[i])) return false;
    return true;
}

/* The part of a name that strong uniqueness compares (steps 2 and 3): "[method]l.l" and
 * "[static]l.l" become l, other "[method]"/"[static]" prefixes are dropped, "[constructor]"
 * is kept. */
static void canon_view(const char **s, size_t *n)
{
    size_t skip = has_prefix(*s, *n, "[method]") ? 8 : has_prefix(*s, *n, "[static]") ? 8 : 0;
    if (skip == 0) return;
    *s += skip;
    *n -= skip;
    const char *dot = memchr(*s, '.', *n);
    if (!dot) return;
    size_t left = (size_t)(dot - *s);
    if (canon_eq(*s, left, dot + 1, *n - left - 1)) *n = left;
}

bool tcvm__extern_name_eq(const char *a, size_t an, const char *b, size_t bn)
{
    /* dependency, URL and integrity names are identities: compared exactly */
    if (is_import_only(a, an) || is_import_only(b, bn)) return an == bn && memcmp(a, b, an) == 0;
    canon_view(&a, &an);
    canon_view(&b, &bn);
    return canon_eq(a, an, b, bn);
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n, bool fold_case)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)(fold_case ? fold(s[i]) : s[i]);
        h *= 0x100000001b3ull;
    }
    return h;
}

uint64_t tcvm__extern_name_key(const char *s, size_t n, bool exact)
{
    if (exact || is_import_only(s, n)) return fnv1a(0xcbf29ce484222325ull, s, n, false);
    canon_view(&s, &n);
    return fnv1a(0x84222325cbf29ce4ull, s, n, true);
}

/* The name at the start of a tcvm__cext_t or tcvm__carg_t. */
typedef struct name_ref {
    const char *name;
    size_t size;
} name_ref_t;
_Static_assert(offsetof(tcvm__cext_t, name) == offsetof(name_ref_t, name) &&
                   offsetof(tcvm__cext_t, name_size) == offsetof(name_ref_t, size) &&
                   offsetof(tcvm__carg_t, name) == offsetof(name_ref_t, name) &&
                   offsetof(tcvm__carg_t, name_size) == offsetof(name_ref_t, size),
               "named items begin with their name");

typedef struct name_probe {
    const uint8_t *items;
    size_t item_size;
    name_ref_t name;
    bool exact;
} name_probe_t;

static bool probe_same(const void *ctx, uint32_t i)
{
    const name_probe_t *p = ctx;
    name_ref_t r;
    memcpy(&r, p->items + (size_t)i * p->item_size, sizeof r);
    if (p->exact) return r.size == p->name.size && memcmp(r.name, p->name.name, r.size) == 0;
    return tcvm__extern_name_eq(r.name, r.size, p->name.name, p->name.size);
}

tcvm_status_t tcvm__names_add(tcvm__keyset_t *set, const void *items, size_t item_size,
                              uint32_t n, const char *name, size_t size, bool exact,
                              uint32_t *found)
{
    name_probe_t p = {items, item_size, {name, size}, exact};
    return tcvm__keyset_add(set, tcvm__extern_name_key(p.name.name, p.name.size, exact), n,
                            probe_same, &p, found);
}
