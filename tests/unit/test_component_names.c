/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Import and export names (src/component/names.c): every form of the grammar accepted and its
 * broken variants refused with the offending part named; the strong-uniqueness rule; the gated
 * nested names off by default and on through the engine; hostile bytes (truncations, NULs,
 * bytes past ASCII) refused without reading past the name.
 */
#include "test.h"
#include "test_component_bins.h"
#include "test_component_util.h"

#include "component/comp_internal.h"
#include "tcvm/component.h"
#include "tcvm/wasm.h"

#include <stdlib.h>
#include <string.h>

#define IMP TCVM__NAME_IMPORT
#define NEST TCVM__NAME_NESTED

typedef struct name_case {
    const char *name;
    unsigned flags;
    const char *err; /* NULL: valid; else a part of the reason */
} name_case_t;

/* Checks each name from a heap copy of exactly its size, so a read past the end is caught by
 * the sanitizer builds. */
static void check_cases(const name_case_t *v, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(v[i].name);
        char *copy = malloc(n ? n : 1);
        CHECK(copy != NULL);
        memcpy(copy, v[i].name, n);
        char why[256];
        bool ok = tcvm__extern_name_check(copy, n, v[i].flags, why, sizeof why);
        free(copy);
        if (ok != (v[i].err == NULL))
            tcvm_test_fail(__FILE__, __LINE__, "\"%s\" (flags %u): got %s (%s), want %s", v[i].name,
                           v[i].flags, ok ? "valid" : "invalid", why,
                           v[i].err ? v[i].err : "valid");
        if (!ok && strstr(why, v[i].err) == NULL)
            tcvm_test_fail(__FILE__, __LINE__, "\"%s\": reason \"%s\" lacks \"%s\"", v[i].name, why,
                           v[i].err);
    }
}

TEST(component_names_plain)
{
    static const name_case_t v[] = {
        {"a", 0, NULL},
        {"a-b-c", 0, NULL},
        {"a1-2-3", 0, NULL},
        {"A1-2-3", 0, NULL},
        {"a11-w0rds", 0, NULL},
        {"m1x3d-4CR0NYMS", 0, NULL},
        {"", 0, "the name is empty"},
        {"1-2-3", 0, "the label `1-2-3` at byte 0 is not in kebab case"},
        {"aB", 0, "`aB`"},
        {"a-", 0, "`a-`"},
        {"-a", 0, "`-a`"},
        {"a--b", 0, "`a--b`"},
        {"a b", 0, "`a b`"},
        {"[constructor]a", 0, NULL},
        {"[constructor]", 0, "the resource at byte 13 is empty"},
        {"[constructor]a.b", 0, "the resource `a.b`"},
        {"[method]a.b", 0, NULL},
        {"[static]A-B.c-d", 0, NULL},
        {"[method]a", 0, "expected `.`"},
        {"[static]a", 0, "expected `.`"},
        {"[method].b", 0, "the resource at byte 8 is empty"},
        {"[method]a.", 0, "the function name at byte 10 is empty"},
        {"[method]a.b.c", 0, "the function name `b.c` at byte 10"},
        {"[foo]a", 0, "the annotation `[foo]` at byte 0 is not"},
        {"[method", 0, "the annotation `[method`"},
        {"relative-url=<a>", IMP, "not in kebab case"},
    };
    check_cases(v, sizeof v / sizeof v[0]);
}

TEST(component_names_interface)
{
    static const name_case_t v[] = {
        {"wasi:http/types", 0, NULL},
        {"a1:b1/c", 0, NULL},
        {"a:b/C-D", 0, NULL},
        {"wasi:http/types@1.0.0", 0, NULL},
        {"a:b/c@0.0.0-x.1+y", 0, NULL},
        {"a:b/c@1.2.3-rc.0+build.01", 0, NULL},
        {"a:b/c@1.2.3+0-x", 0, NULL},
        {"wasi:http", 0, "expected `/` and an interface"},
        {"A:b/c", 0, "the namespace `A` at byte 0 is not lowercase"},
        {"a:B/c", 0, "the package `B` at byte 2 is not lowercase"},
        {":b/c", 0, "the namespace at byte 0 is empty"},
        {"a:/c", 0, "the package at byte 2 is empty"},
        {"a:b/", 0, "the interface at byte 4 is empty"},
        {"a:b/c@", 0, "the version at byte 6 is empty"},
        {"a:b/c@.", 0, "not a valid semver"},
        {"a:b/c@1", 0, "not a valid semver"},
        {"a:b/c@1.", 0, "not a valid semver"},
        {"a:b/c@a.2", 0, "not a valid semver"},
        {"a:b/c@2.0x0", 0, "not a valid semver"},
        {"a:b/c@01.0.0", 0, "leading zero"},
        {"a:b/c@1.0.0-01", 0, "leading zero"},
        {"a:b/c@1.0.0+", 0, "empty identifier"},
        {"a:b/c@1.0.0-", 0, "empty identifier"},
        {"a:b/c@1.0.0-a..b", 0, "empty identifier"},
        {"a:b/c@1.0.0_x", 0, "expected '-' (pre-release) or '+' (build)"},
        {"a:b/c@1.0.0-a_b", 0, "outside [0-9A-Za-z.-]"},
        /* nested namespaces and interfaces: gated, invalid unless asked for */
        {"foo:bar:baz/qux", 0, "nested namespaces are a gated feature"},
        {"foo:bar/baz/qux", 0, "nested interfaces are a gated feature"},
        {"a:b:c:d/e", NEST, NULL},
        {"a:b-c:d-e:f-g/h-i/j-k/l-m/n/o/p@1.0.0", NEST, NULL},
        {"a:b:/c", NEST, "the package at byte 4 is empty"},
        {"a:b/c//d", NEST, "the interface at byte 6 is empty"},
        {"a:B:c/d", NEST, "the package `B`"},
    };
    check_cases(v, sizeof v / sizeof v[0]);
}

TEST(component_names_dependencies)
{
    static const name_case_t v[] = {
        {"unlocked-dep=<a:b>", IMP, NULL},
        {"unlocked-dep=<a:b@*>", IMP, NULL},
        {"unlocked-dep=<a:b@{>=1.2.3}>", IMP, NULL},
        {"unlocked-dep=<a:b@{>=1.2.3-rc}>", IMP, NULL},
        {"unlocked-dep=<a:b@{<1.2.3}>", IMP, NULL},
        {"unlocked-dep=<a:b@{<1.2.3-rc}>", IMP, NULL},
        {"unlocked-dep=<a:b@{>=1.2.3 <1.2.3}>", IMP, NULL},
        {"unlocked-dep=<a:b@{>=1.2.3-rc <1.2.3}>", IMP, NULL},
        {"unlocked-dep=<a:b>", 0, "only an import may be"},
        {"unlocked-dep=", IMP, "expected `<` after `unlocked-dep=` at the end"},
        {"unlocked-dep=<", IMP, "the namespace at byte 14 is empty"},
        {"unlocked-dep=<>", IMP, "the namespace at byte 14 is empty"},
        {"unlocked-dep=<:>", IMP, "the namespace at byte 14 is empty"},
        {"unlocked-dep=<a:>", IMP, "the package at byte 16 is empty"},
        {"unlocked-dep=<:a>", IMP, "the namespace at byte 14 is empty"},
        {"unlocked-dep=<a>", IMP, "expected `:` after the namespace at byte 15"},
        {"unlocked-dep=<A:b>", IMP, "the namespace `A`"},
        {"unlocked-dep=<a:b", IMP, "expected `>` closing the dependency at the end"},
        {"unlocked-dep=<a:a@>", IMP, "expected `{` (or `*`) after `@`"},
        {"unlocked-dep=<a:a@{xyz}>", IMP, "expected `>=` or `<` at the start"},
        {"unlocked-dep=<a:a@{<xyz}>", IMP, "the upper bound `xyz` at byte 20 is not a valid"},
        {"unlocked-dep=<a:a@{>=xyz}>", IMP, "the lower bound `xyz`"},
        {"unlocked-dep=<a:a@{<1.2.3 >=2.3.4}>", IMP, "the upper bound `1.2.3 >=2.3.4`"},
        {"unlocked-dep=<a:a@{>=1.2.3 >=2.3.4}>", IMP, "expected `<` before the upper bound"},
        {"unlocked-dep=<a:a@{>=1.2.3  <2.3.4}>", IMP, "expected `<` before the upper bound"},
        {"unlocked-dep=<a:a@{>=1.2.3", IMP, "expected ` ` (or `}`) after the lower bound"},
        {"unlocked-dep=<a:a@{<1.2.3}", IMP, "expected `>` closing the dependency"},
        {"unlocked-dep=<a:a@*x>", IMP, "expected `>` closing"},
        {"unlocked-dep=<a:a@*>x", IMP, "trailing characters `x` at byte 20"},
        {"unlocked-dep=<a:b>x", IMP, "trailing characters `x`"},
        {"unlocked-dep=<a:b>,integrity=<sha256-a>", IMP, "trailing characters"},
        {"unlocked-dep=<a:b/c>", IMP, "a dependency names a package"},
        {"unlocked-dep=<a:b:c:d/e/f/g>", IMP, "nested namespaces"},
        {"unlocked-dep=<a:b:c:d/e/f/g@{>=1.2.3-rc <1.2.3}>", IMP | NEST, NULL},
        {"locked-dep=<a:b>", IMP, NULL},
        {"locked-dep=<a:b@1.2.3>", IMP, NULL},
        {"locked-dep=<a:b>,integrity=<sha256-a>", IMP, NULL},
        {"locked-dep=<a:b@1.2.3>,integrity=<sha256-a>", IMP, NULL},
        {"locked-dep=<a:b:c:d/e/f/g@1.2.3>,integrity=<sha256-a>", IMP | NEST, NULL},
        {"locked-dep=", IMP, "expected `<`"},
        {"locked-dep=<", IMP, "the namespace at byte 12 is empty"},
        {"locked-dep=<:", IMP, "the namespace at byte 12 is empty"},
        {"locked-dep=<a:>", IMP, "the package at byte 14 is empty"},
        {"locked-dep=<a:a", IMP, "expected `>` closing the dependency at the end"},
        {"locked-dep=<a:a@>", IMP, "the version at byte 16 is empty"},
        {"locked-dep=<a:a@1.2>", IMP, "the version `1.2` at byte 16 is not a valid semver"},
        {"locked-dep=<a:a@1.2.3", IMP, "expected `>` closing the dependency at the end"},
        {"locked-dep=<a:a@1.2.3>,", IMP, "expected `integrity=` after `,`"},
        {"locked-dep=<a:a@1.2.3>x", IMP, "trailing characters `x` at byte 22"},
        {"locked-dep=<a:a@*>", IMP, "not a valid semver"},
    };
    check_cases(v, sizeof v / sizeof v[0]);
}

TEST(component_names_urls_and_integrity)
{
    static const name_case_t v[] = {
        {"url=<>", IMP, NULL},
        {"url=<a>", IMP, NULL},
        {"url=<https://example.com/x?y=1>", IMP, NULL},
        {"url=<a>,integrity=<sha256-a>", IMP, NULL},
        {"url=<a>", 0, "only an import may be"},
        {"url=", IMP, "expected `<`"},
        {"url=<", IMP, "expected `>` closing the URL at the end"},
        {"url=<<>", IMP, "a URL cannot contain `<` (byte 5)"},
        {"url=<a>b", IMP, "trailing characters `b`"},
        {"url=<a>,integrity=<md5-a>", IMP, "unrecognized hash algorithm"},
        {"integrity=<sha256-a>", IMP, NULL},
        {"integrity=<sha384-a>", IMP, NULL},
        {"integrity=<sha512-a>", IMP, NULL},
        {"integrity=<sha512-a sha256-b>", IMP, NULL},
        {"integrity=< sha512-a sha256-b >", IMP, NULL},
        {"integrity=<  sha512-a?abcd  >", IMP, NULL},
        {"integrity=<\tsha512-a\nsha256-QUJD=>", IMP, NULL},
        {"integrity=<sha256-abcdefghijklmnopqrstuvwxyz>", IMP, NULL},
        {"integrity=<sha256-ABCDEFGHIJKLMNOPQRSTUVWXYZ>", IMP, NULL},
        {"integrity=<sha256-++++++++++++++++++++==>", IMP, NULL},
        {"integrity=<sha256-////////////////////==>", IMP, NULL},
        {"integrity=<sha256-a>", 0, "only an import may be"},
        {"integrity=<>", IMP, "the integrity hash at byte 11 is empty"},
        {"integrity=<   >", IMP, "is empty"},
        {"integrity=<sha256>", IMP, "the integrity hash `sha256` at byte 11 lacks `-`"},
        {"integrity=<sha2560-a>", IMP, "lacks `-`"},
        {"integrity=<sha256->", IMP, "the hash value at byte 18 is empty"},
        {"integrity=<sha256-^^^^>", IMP, "the hash value `^^^^` at byte 18 is not valid base64"},
        {"integrity=<sha256-=========>", IMP, "not valid base64"},
        {"integrity=<sha256-=>", IMP, "not valid base64"},
        {"integrity=<sha256-==>", IMP, "not valid base64"},
        {"integrity=<sha256-a===>", IMP, "not valid base64"},
        {"integrity=<sha256-a=b>", IMP, "not valid base64"},
        {"integrity=<sha256-?x>", IMP, "the hash value at byte 18 is empty"},
        {"integrity=<md5-ABC>", IMP, "the integrity hash `md5-ABC` at byte 11 has an unrecog"},
        {"integrity=<sha256-a sha1-b>", IMP, "`sha1-b` at byte 20"},
        {"integrity=<sha256-a", IMP, "expected `>` closing the integrity hash"},
        {"integrity=<sha256-a>x", IMP, "trailing characters `x` at byte 20"},
        {"integrity=<sha256-a>>", IMP, "trailing characters `>`"},
    };
    check_cases(v, sizeof v / sizeof v[0]);
}

/* Every prefix of valid names, and names with bytes that are no part of the grammar, are judged
 * from exactly their bytes: nothing is read past the size (the sanitizer builds catch it). */
TEST(component_names_hostile_bytes)
{
    static const char *const valid[] = {
        "unlocked-dep=<a:b:c/d@{>=1.2.3-rc.1+b <2.0.0}>",
        "locked-dep=<a:b@1.2.3>,integrity=<sha256-QUJD sha512-a?x>",
        "url=<a>,integrity=<sha384-++==>",
        "[static]a-b.c-d",
        "wasi:http/types@1.0.0-rc+build",
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        size_t n = strlen(valid[i]);
        CHECK(tcvm__extern_name_check(valid[i], n, IMP | NEST, NULL, 0));
        for (size_t k = 0; k < n; k++) {
            char *copy = malloc(k ? k : 1);
            CHECK(copy != NULL);
            memcpy(copy, valid[i], k);
            char why[96];
            (void)tcvm__extern_name_check(copy, k, IMP | NEST, why, sizeof why);
            CHECK(memchr(why, '\0', sizeof why) != NULL);
            free(copy);
        }
    }
    /* an embedded NUL or a byte past ASCII is never part of a name */
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {"a\0b", 3},
        {"a:b\0/c", 6},
        {"unlocked-dep=<a:b\0>", 19},
        {"integrity=<sha256-a\0>", 21},
        {"\xc3\xa9", 2},
        {"a:b/c@1.0.0-\xff", 13},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[256];
        if (tcvm__extern_name_check(bad[i].s, bad[i].n, IMP | NEST, why, sizeof why))
            tcvm_test_fail(__FILE__, __LINE__, "bad name %zu accepted", i);
    }
    /* a long part is shown cut short */
    char big[600];
    memset(big, 'a', sizeof big);
    big[300] = '_';
    char why[256];
    CHECK(!tcvm__extern_name_check(big, sizeof big, 0, why, sizeof why));
    CHECK_CONTAINS(why, "...`");
    CHECK(strlen(why) < 200);
}

static bool conflict(const char *a, const char *b)
{
    bool ab = tcvm__extern_name_eq(a, strlen(a), b, strlen(b));
    bool ba = tcvm__extern_name_eq(b, strlen(b), a, strlen(a));
    if (ab != ba) tcvm_test_fail(__FILE__, __LINE__, "\"%s\" vs \"%s\": not symmetric", a, b);
    return ab;
}

TEST(component_names_strong_uniqueness)
{
    /* the Explainer's example: these are strongly unique together ... */
    static const char *const set[] = {
        "foo", "foo-bar", "[constructor]foo", "[method]foo.bar", "[static]foo.baz", "foo:bar/baz"};
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 6; j++)
            if (i != j && conflict(set[i], set[j]))
                tcvm_test_fail(__FILE__, __LINE__, "\"%s\" and \"%s\" conflict", set[i], set[j]);
    /* ... and each of these conflicts with one of them (the Explainer also lists "foobar",
     * "foob-ar" and "[static]foobar.FOOBAR", clashes only once hyphens are removed, which the
     * test suites do not do: see below) */
    static const char *const clash[] = {
        "foo",
        "FOO",
        "foo-BAR",
        "[constructor]FOO",
        "[method]foo.BAR",
        "[static]foo.bar",
        "[method]foo.baz",
        "[method]foo.foo",
        "[static]foo-bar.FOO-BAR",
        "foo:bar/BAZ",
    };
    for (size_t i = 0; i < sizeof clash / sizeof clash[0]; i++) {
        bool any = false;
        for (size_t j = 0; j < 6; j++)
            any = any || conflict(clash[i], set[j]);
        if (!any) tcvm_test_fail(__FILE__, __LINE__, "\"%s\" conflicts with none", clash[i]);
    }
    /* hyphens count: component-model test/validation/kebab.wast imports both */
    CHECK(!conflict("a1", "a-1"));
    CHECK(!conflict("foobar", "foo-bar"));
    CHECK(!conflict("[method]a-b.ab", "ab"));
    CHECK(conflict("[method]a-B.A-b", "a-b"));
    CHECK(conflict("[method]a.a", "a"));
    CHECK(conflict("[static]a.a", "a"));
    CHECK(!conflict("[constructor]a", "a"));
    CHECK(!conflict("[method]a.b", "b"));
    CHECK(!conflict("[method]a.b", "a"));
    CHECK(!conflict("a:b/c@1.0.0", "a:b/c@2.0.0"));
    CHECK(!conflict("a:b/c", "a:b/c@1.0.0"));
    /* dependency, URL and integrity names compare exactly */
    CHECK(conflict("url=<a>", "url=<a>"));
    CHECK(!conflict("url=<a>", "url=<A>"));
    CHECK(!conflict("locked-dep=<a:b-c>", "locked-dep=<a:bc>"));
    CHECK(!conflict("url=<a>", "a"));
}

/* An import named name, of the type func(), in a component binary. */
static void one_import(cb_t *b, const char *name)
{
    cb_t s = {0};
    cb_preamble(b);
    cb_u32(&s, 1), cb_u8(&s, 0x40), cb_u32(&s, 0), cb_u8(&s, 0x01), cb_u8(&s, 0x00);
    cb_section(b, 7, &s);
    cb_free(&s);
    cb_u32(&s, 1), cb_u8(&s, 0x00), cb_name(&s, name), cb_u8(&s, 0x01), cb_u32(&s, 0);
    cb_section(b, 10, &s);
    cb_free(&s);
}

static tcvm_status_t load(const cb_t *b, bool nested, tcvm_error_t *err)
{
    tcvm_engine_config_t config = {.component_nested_names = nested};
    tcvm_engine_t *e;
    CHECK_OK(tcvm_engine_new(&config, &e));
    tcvm_component_t *c = NULL;
    tcvm_status_t st = tcvm_component_new(e, b->d, b->n, &c, err, NULL);
    tcvm_component_free(c);
    tcvm_engine_free(e);
    return st;
}

TEST(component_names_nested_switch)
{
    cb_t b = {0};
    one_import(&b, "a:b:c:d/e");
    tcvm_error_t err = {0};
    CHECK_STATUS(load(&b, false, &err), TCVM_COMP_INVALID);
    CHECK_CONTAINS(err.message, "section 10");
    CHECK_CONTAINS(err.message, "\"a:b:c:d/e\"");
    CHECK_CONTAINS(err.message, "nested namespaces are a gated feature");
    CHECK_STATUS(load(&b, true, &err), TCVM_OK);
    cb_free(&b);
    /* validate-only has no engine: nested names stay off */
    one_import(&b, "a:b/c/d");
    CHECK_STATUS(tcvm_component_validate(b.d, b.n, &err, NULL), TCVM_COMP_INVALID);
    CHECK_STATUS(load(&b, true, &err), TCVM_OK);
    cb_free(&b);
}

TEST(component_names_decode_messages)
{
    cb_t b = {0};
    one_import(&b, "unlocked-dep=<a:a@{<xyz}>");
    tcvm_error_t err = {0};
    tcvm_component_where_t where = {0, -2};
    CHECK_STATUS(tcvm_component_validate(b.d, b.n, &err, &where), TCVM_COMP_INVALID);
    CHECK_EQ(where.section, 10);
    CHECK(where.offset > 0 && where.offset <= b.n);
    CHECK_CONTAINS(err.message, "import name \"unlocked-dep=<a:a@{<xyz}>\" is not a valid name");
    CHECK_CONTAINS(err.message, "the upper bound `xyz` at byte 20 is not a valid semver");
    cb_free(&b);
}
