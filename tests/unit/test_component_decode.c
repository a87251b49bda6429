/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The component decoder and validator on hand-assembled binaries: each section's malformed and
 * invalid forms are refused with the section and offset named, refused features are named, the
 * validate-only path and the compiling path agree, and hostile shapes (deep nesting, huge
 * counts) end in errors rather than crashes.
 */
#include "test.h"
#include "test_component_bins.h"
#include "test_component_util.h"

#include "tcvm/component.h"
#include "tcvm/wasm.h"

#include <stdlib.h>
#include <string.h>

/* Checks the binary fails with want (or succeeds when want is OK); msg must be in the error. */
static void expect(const cb_t *b, tcvm_status_t want, const char *msg, int section)
{
    tcvm_error_t err = {0};
    tcvm_component_where_t where = {0, -2};
    tcvm_status_t st = tcvm_component_validate(b->d, b->n, &err, &where);
    if (st != want)
        tcvm_test_fail(__FILE__, __LINE__, "validate: got %s (%s), want %s", tcvm_status_name(st),
                       err.message, tcvm_status_name(want));
    if (msg) CHECK_CONTAINS(err.message, msg);
    if (want != TCVM_OK) {
        CHECK_EQ(where.section, section);
        CHECK(where.offset <= b->n);
        char sec[32];
        snprintf(sec, sizeof sec, "section %d", section);
        if (section >= 0) CHECK_CONTAINS(err.message, sec);
    }
    /* the compiling path agrees */
    tcvm_engine_t *e;
    CHECK_OK(tcvm_engine_new(NULL, &e));
    tcvm_component_t *c = NULL;
    tcvm_error_t err2 = {0};
    CHECK_STATUS(tcvm_component_new(e, b->d, b->n, &c, &err2, NULL), want);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

static void one_section(cb_t *out, uint8_t id, const uint8_t *body, size_t n)
{
    cb_t s = {0};
    cb_preamble(out);
    cb_bytes(&s, body, n);
    cb_section(out, id, &s);
    cb_free(&s);
}

TEST(component_decode_preamble)
{
    cb_t b = {0};
    expect(&b, TCVM_COMP_MALFORMED, "preamble", -1);
    static const uint8_t core[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    cb_bytes(&b, core, 8);
    expect(&b, TCVM_COMP_MALFORMED, "core module", -1);
    cb_free(&b);
    static const uint8_t old[] = {0x00, 0x61, 0x73, 0x6d, 0x0a, 0x00, 0x01, 0x00};
    cb_bytes(&b, old, 8);
    expect(&b, TCVM_COMP_MALFORMED, "version", -1);
    cb_free(&b);
    static const uint8_t magic[] = {0x00, 0x62, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    cb_bytes(&b, magic, 8);
    expect(&b, TCVM_COMP_MALFORMED, "magic", -1);
    cb_free(&b);
    /* the empty component is valid */
    cb_preamble(&b);
    expect(&b, TCVM_OK, NULL, 0);
    cb_free(&b);
}

TEST(component_decode_sections_framing)
{
    cb_t b = {0};
    cb_preamble(&b);
    cb_u8(&b, 7);
    cb_u32(&b, 100); /* runs past the end */
    expect(&b, TCVM_COMP_MALFORMED, "runs past the end", 7);
    cb_free(&b);
    static const uint8_t junk[] = {0x00};
    one_section(&b, 13, junk, 1);
    expect(&b, TCVM_COMP_MALFORMED, "unknown section id 13", 13);
    cb_free(&b);
    /* left-over bytes inside a section */
    static const uint8_t extra[] = {0x00, 0xff};
    one_section(&b, 7, extra, 2);
    expect(&b, TCVM_COMP_MALFORMED, "left over", 7);
    cb_free(&b);
    /* a count larger than the bytes left */
    static const uint8_t count[] = {0xff, 0x01};
    one_section(&b, 11, count, 2);
    expect(&b, TCVM_COMP_MALFORMED, "count", 11);
    cb_free(&b);
    /* custom sections are skipped but their name must be UTF-8 */
    static const uint8_t custom[] = {0x02, 0xc3, 0x28, 0x01, 0x02};
    one_section(&b, 0, custom, sizeof custom);
    expect(&b, TCVM_COMP_MALFORMED, "UTF-8", 0);
    cb_free(&b);
}

TEST(component_decode_index_errors)
{
    cb_t b = {0};
    /* core instance of module 5: no such module */
    static const uint8_t ci[] = {0x01, 0x00, 0x05, 0x00};
    one_section(&b, 2, ci, sizeof ci);
    expect(&b, TCVM_COMP_INVALID, "core module index 5 out of bounds", 2);
    cb_free(&b);
    /* alias export of instance 0: no instances */
    static const uint8_t al[] = {0x01, 0x01, 0x00, 0x00, 0x01, 'f'};
    one_section(&b, 6, al, sizeof al);
    expect(&b, TCVM_COMP_INVALID, "instance index 0 out of bounds", 6);
    cb_free(&b);
    /* export of func 3: none */
    static const uint8_t ex[] = {0x01, 0x00, 0x01, 'f', 0x01, 0x03, 0x00};
    one_section(&b, 11, ex, sizeof ex);
    expect(&b, TCVM_COMP_INVALID, "func index 3 out of bounds", 11);
    cb_free(&b);
    /* canon lower of func 0: none */
    static const uint8_t lo[] = {0x01, 0x01, 0x00, 0x00, 0x00};
    one_section(&b, 8, lo, sizeof lo);
    expect(&b, TCVM_COMP_INVALID, "out of bounds", 8);
    cb_free(&b);
    /* a value type naming type index 9 */
    static const uint8_t ty[] = {0x01, 0x70, 0x09};
    one_section(&b, 7, ty, sizeof ty);
    expect(&b, TCVM_COMP_INVALID, "type index 9 out of bounds", 7);
    cb_free(&b);
    /* outer alias past the enclosing scopes */
    static const uint8_t ou[] = {0x01, 0x03, 0x02, 0x01, 0x00};
    one_section(&b, 6, ou, sizeof ou);
    expect(&b, TCVM_COMP_INVALID, "exceeds the enclosing scopes", 6);
    cb_free(&b);
}

TEST(component_decode_type_errors)
{
    cb_t b = {0};
    /* record with a duplicate label (case-insensitively) */
    static const uint8_t dup[] = {0x01, 0x72, 0x02, 0x01, 'a', 0x79, 0x01, 'A', 0x79};
    one_section(&b, 7, dup, sizeof dup);
    expect(&b, TCVM_COMP_INVALID, "record", 7);
    cb_free(&b);
    /* empty record, empty variant, empty tuple */
    static const uint8_t er[] = {0x01, 0x72, 0x00};
    one_section(&b, 7, er, sizeof er);
    expect(&b, TCVM_COMP_INVALID, "record", 7);
    cb_free(&b);
    static const uint8_t et[] = {0x01, 0x6f, 0x00};
    one_section(&b, 7, et, sizeof et);
    expect(&b, TCVM_COMP_INVALID, "tuple", 7);
    cb_free(&b);
    /* a label that is not kebab-case */
    static const uint8_t kb[] = {0x01, 0x6d, 0x01, 0x02, 'a', 'B'};
    one_section(&b, 7, kb, sizeof kb);
    expect(&b, TCVM_COMP_INVALID, "enum", 7);
    cb_free(&b);
    /* 33 flags */
    cb_t s = {0};
    cb_u32(&s, 1);
    cb_u8(&s, 0x6e);
    cb_u32(&s, 33);
    for (int i = 0; i < 33; i++) {
        char n[8];
        snprintf(n, sizeof n, "f%d", i);
        cb_name(&s, n);
    }
    cb_preamble(&b);
    cb_section(&b, 7, &s);
    expect(&b, TCVM_COMP_INVALID, "flags", 7);
    cb_free(&b);
    cb_free(&s);
    /* own of a type that is not a resource */
    static const uint8_t own[] = {0x02, 0x70, 0x79, 0x69, 0x00};
    one_section(&b, 7, own, sizeof own);
    expect(&b, TCVM_COMP_INVALID, "not a resource type", 7);
    cb_free(&b);
    /* a function result holding a borrow */
    static const uint8_t res[] = {0x03, 0x3f, 0x7f, 0x00, 0x68, 0x00, 0x40, 0x00, 0x00, 0x01};
    one_section(&b, 7, res, sizeof res);
    expect(&b, TCVM_COMP_INVALID, "borrow", 7);
    cb_free(&b);
    /* duplicate parameter names */
    static const uint8_t pn[] = {0x01, 0x40, 0x02, 0x01, 'x', 0x79, 0x01, 'x', 0x79, 0x01, 0x00};
    one_section(&b, 7, pn, sizeof pn);
    expect(&b, TCVM_COMP_INVALID, "parameter", 7);
    cb_free(&b);
    /* a variant case with 'refines' */
    static const uint8_t rf[] = {0x01, 0x71, 0x01, 0x01, 'a', 0x00, 0x01, 0x00};
    one_section(&b, 7, rf, sizeof rf);
    expect(&b, TCVM_COMP_MALFORMED, "refines", 7);
    cb_free(&b);
}

TEST(component_decode_module_type_subtype_form)
{
    /* in a module type, 0x50 is GC's `sub`: one without a composite type is invalid whatever
     * the features, not a refused feature */
    cb_t b = {0};
    static const uint8_t bad[] = {0x01, 0x50, 0x02, 0x01, 0x50, 0x00, 0x01, 0x60, 0x00, 0x00};
    one_section(&b, 3, bad, sizeof bad);
    expect(&b, TCVM_COMP_INVALID, "invalid leading byte 0x01", 3);
    cb_free(&b);
}

TEST(component_decode_refused_features)
{
    static const struct {
        uint8_t section;
        uint8_t body[12];
        size_t n;
        const char *msg;
    } v[] = {
        {7, {0x01, 0x43, 0x00, 0x01, 0x00}, 5, "async function"},
        {7, {0x01, 0x66, 0x00}, 3, "stream"},
        {7, {0x01, 0x65, 0x00}, 3, "future"},
        {7, {0x01, 0x64}, 2, "error-context"},
        {7, {0x01, 0x70, 0x64}, 3, "error-context"},
        {7, {0x01, 0x67, 0x79, 0x04}, 4, "fixed-length lists"},
        {7, {0x01, 0x3e, 0x7f, 0x00}, 4, "async resource"},
        {8, {0x01, 0x09, 0x00}, 3, "async, streams"},
        {8, {0x01, 0x0a, 0x00}, 3, "async, streams"},
        {9, {0x00, 0x00, 0x00}, 3, "start"},
        {12, {0x00}, 1, "value section"},
        {3, {0x01, 0x5f, 0x00}, 3, "GC"},
        {3, {0x01, 0x4e, 0x00}, 3, "GC"},
        {3, {0x01, 0x50, 0x01, 0x00, 0x00, 0x00, 0x02, 0x04, 0x01}, 9, "memory64"},
        {3, {0x01, 0x50, 0x01, 0x00, 0x00, 0x00, 0x02, 0x03, 0x01, 0x01}, 10, "shared"},
        {10, {0x01, 0x02, 0x01, 'a', 0x00, 0x01, 0x00}, 7, "name attributes"},
        {6, {0x01, 0x00, 0x04, 0x01, 0x00, 0x00}, 6, "tags"},
        /* a GC subtype declared in a module type */
        {3, {0x01, 0x50, 0x01, 0x01, 0x50, 0x00, 0x60, 0x00, 0x00}, 9, "GC"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cb_t b = {0};
        one_section(&b, v[i].section, v[i].body, v[i].n);
        expect(&b, TCVM_COMP_FEATURE, v[i].msg, v[i].section);
        cb_free(&b);
    }
}

TEST(component_decode_names)
{
    /* imports of the type func() under good and bad names; annotated names must also follow
     * their typing rules, which func() does not */
    static const struct {
        const char *name;
        const char *err; /* NULL: valid */
    } v[] = {
        {"a", NULL},
        {"a-1", NULL},
        {"B-1-C", NULL},
        {"wasi:http/types@1.0.0", NULL},
        {"a:b/c@0.0.0-x.1+y", NULL},
        {"[method]r.run", "at least one argument"},
        {"[constructor]r", "should return one value"},
        {"[static]r.make", "static resource name is not known"},
        {"aBc", "not a valid name"},
        {"1a", "not a valid name"},
        {"a-", "not a valid name"},
        {"a--b", "not a valid name"},
        {"wasi:http", "not a valid name"},
        {"WASI:http/types", "not a valid name"},
        {"a:b/c@1", "not a valid name"},
        {"a:b/c@1.0.0+", "not a valid name"},
        {"[method]r", "not a valid name"},
        {"foo:bar:baz/qux", "not a valid name"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cb_t b = {0}, s = {0};
        cb_preamble(&b);
        cb_u32(&s, 1), cb_u8(&s, 0x40), cb_u32(&s, 0), cb_u8(&s, 0x01), cb_u8(&s, 0x00);
        cb_section(&b, 7, &s);
        cb_free(&s);
        cb_u32(&s, 1), cb_u8(&s, 0x00), cb_name(&s, v[i].name), cb_u8(&s, 0x01), cb_u32(&s, 0);
        cb_section(&b, 10, &s);
        cb_free(&s);
        expect(&b, v[i].err ? TCVM_COMP_INVALID : TCVM_OK, v[i].err, 10);
        cb_free(&b);
    }
    /* names conflict regardless of case */
    cb_t b = {0}, s = {0};
    cb_preamble(&b);
    cb_u32(&s, 1), cb_u8(&s, 0x40), cb_u32(&s, 0), cb_u8(&s, 0x01), cb_u8(&s, 0x00);
    cb_section(&b, 7, &s);
    cb_free(&s);
    cb_u32(&s, 2);
    cb_u8(&s, 0x00), cb_name(&s, "foo"), cb_u8(&s, 0x01), cb_u32(&s, 0);
    cb_u8(&s, 0x00), cb_name(&s, "FOO"), cb_u8(&s, 0x01), cb_u32(&s, 0);
    cb_section(&b, 10, &s);
    cb_free(&s);
    expect(&b, TCVM_COMP_INVALID, "conflicts", 10);
    cb_free(&b);
}

TEST(component_decode_canon_checks)
{
    /* core module exporting f: (i32) -> i32, lifted as func(s: string) -> u32: wrong shape */
    static const uint8_t mod[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                                  0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02,
                                  0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 'f',  0x00, 0x00,
                                  0x0a, 0x06, 0x01, 0x04, 0x00, 0x20, 0x00, 0x0b};
    for (int variant = 0; variant < 3; variant++) {
        cb_t b = {0}, s = {0};
        cb_preamble(&b);
        cb_bytes(&s, mod, sizeof mod);
        cb_section(&b, 1, &s);
        cb_free(&s);
        cb_u32(&s, 1), cb_u8(&s, 0x00), cb_u32(&s, 0), cb_u32(&s, 0);
        cb_section(&b, 2, &s);
        cb_free(&s);
        cb_u32(&s, 1), cb_u8(&s, 0x00), cb_u8(&s, 0x00), cb_u8(&s, 0x01), cb_u32(&s, 0);
        cb_name(&s, "f");
        cb_section(&b, 6, &s);
        cb_free(&s);
        cb_u32(&s, 1), cb_u8(&s, 0x40), cb_u32(&s, 1), cb_name(&s, "x");
        cb_u8(&s, variant == 0 ? 0x73 : 0x79);
        cb_u8(&s, 0x00), cb_u8(&s, 0x79);
        cb_section(&b, 7, &s);
        cb_free(&s);
        /* canon lift core func 0, options: variant 2 repeats string-encoding */
        cb_u32(&s, 1), cb_u8(&s, 0x00), cb_u8(&s, 0x00), cb_u32(&s, 0);
        if (variant == 2)
            cb_u32(&s, 2), cb_u8(&s, 0x00), cb_u8(&s, 0x01);
        else
            cb_u32(&s, 0);
        cb_u32(&s, 0);
        cb_section(&b, 8, &s);
        cb_free(&s);
        if (variant == 0)
            expect(&b, TCVM_COMP_INVALID, "flattened type", 8);
        else if (variant == 1)
            expect(&b, TCVM_OK, NULL, 0);
        else
            expect(&b, TCVM_COMP_INVALID, "string-encoding given twice", 8);
        cb_free(&b);
    }
}

TEST(component_decode_hostile_nesting)
{
    /* 300 nested list types: refused as too deep, not a stack overflow */
    cb_t b = {0}, s = {0};
    cb_preamble(&b);
    cb_u32(&s, 300);
    cb_u8(&s, 0x70), cb_u8(&s, 0x79);
    for (int i = 1; i < 300; i++)
        cb_u8(&s, 0x70), cb_s33(&s, i - 1);
    cb_section(&b, 7, &s);
    cb_free(&s);
    expect(&b, TCVM_COMP_INVALID, "too deeply", 7);
    cb_free(&b);
    /* nested components 60 deep */
    cb_t inner = {0};
    cb_preamble(&inner);
    for (int i = 0; i < 60; i++) {
        cb_t outer = {0};
        cb_preamble(&outer);
        cb_section(&outer, 4, &inner);
        cb_free(&inner);
        inner = outer;
    }
    tcvm_error_t err = {0};
    CHECK(tcvm_component_validate(inner.d, inner.n, &err, NULL) != TCVM_OK);
    CHECK_CONTAINS(err.message, "deeply");
    cb_free(&inner);
}

TEST(component_decode_every_truncation)
{
    /* every prefix and every single-byte change of a component with most kinds of sections
     * ends in a result, never a crash, and every failure says why */
    const uint8_t *full = comp_res;
    size_t n = sizeof comp_res;
    tcvm_error_t err;
    CHECK_OK(tcvm_component_validate(full, n, &err, NULL));
    uint8_t *p = malloc(n);
    CHECK(p != NULL);
    size_t failures = 0;
    for (size_t k = 0; k < n; k++) {
        memcpy(p, full, k);
        memset(&err, 0, sizeof err);
        if (tcvm_component_validate(p, k, &err, NULL) != TCVM_OK) {
            failures++;
            CHECK(err.message[0] != 0);
        }
    }
    CHECK(failures > n / 2);
    for (size_t k = 8; k < n; k++) {
        memcpy(p, full, n);
        p[k] ^= 0x5a;
        memset(&err, 0, sizeof err);
        if (tcvm_component_validate(p, n, &err, NULL) != TCVM_OK) CHECK(err.message[0] != 0);
    }
    free(p);
}

TEST(component_decode_resources_are_generative)
{
    /* two instances of one component export distinct resource types: passing both where one
     * type is expected twice is invalid; passing the same one twice is valid */
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_component_validate(comp_gen_same, sizeof comp_gen_same, &err, NULL));
    CHECK_STATUS(tcvm_component_validate(comp_gen_distinct, sizeof comp_gen_distinct, &err, NULL),
                 TCVM_COMP_INVALID);
    CHECK_CONTAINS(err.message, "resource types are not the same");
}

TEST(component_decode_instance_type_exports_are_generative)
{
    /* an imported instance's two exports of one instance type have distinct resources */
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_component_validate(comp_fresh_inst_same, sizeof comp_fresh_inst_same, &err,
                                     NULL));
    CHECK_STATUS(tcvm_component_validate(comp_fresh_inst_exports, sizeof comp_fresh_inst_exports,
                                         &err, NULL),
                 TCVM_COMP_INVALID);
    CHECK_CONTAINS(err.message, "resource types are not the same");
    /* an export ascribed `(sub resource)` is a resource of its own outside */
    CHECK_STATUS(tcvm_component_validate(comp_ascribed_sub_resource,
                                         sizeof comp_ascribed_sub_resource, &err, NULL),
                 TCVM_COMP_INVALID);
    CHECK_CONTAINS(err.message, "resource types are not the same");
}

TEST(component_decode_outer_alias_of_types_with_resources)
{
    /* a component type naming a resource of the enclosing component may not be aliased into a
     * nested component; one that declares its own resources may */
    tcvm_error_t err = {0};
    CHECK_STATUS(tcvm_component_validate(comp_outer_alias_comp_res,
                                         sizeof comp_outer_alias_comp_res, &err, NULL),
                 TCVM_COMP_INVALID);
    CHECK_CONTAINS(err.message, "refers to resources defined outside the type");
    CHECK_OK(tcvm_component_validate(comp_outer_alias_comp_own, sizeof comp_outer_alias_comp_own,
                                     &err, NULL));
}

TEST(component_decode_function_type_size_limit)
{
    /* ten parameters of a type of ~222k nodes pass the limit of 1,000,000; one does not */
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_component_validate(comp_functype_large_ok, sizeof comp_functype_large_ok, &err,
                                     NULL));
    CHECK_STATUS(tcvm_component_validate(comp_functype_too_big, sizeof comp_functype_too_big, &err,
                                         NULL),
                 TCVM_COMP_INVALID);
    CHECK_CONTAINS(err.message, "effective type size exceeds the limit");
}
