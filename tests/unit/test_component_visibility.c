/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The external visibility rule on hand-assembled components: what a component imports or
 * exports may only mention record, variant, enum, flags and resource types that the component
 * itself imported or exported under a name, through the type index that import or export made;
 * annotated names ([method]R.m, [constructor]R) need R named on the same side; export
 * ascriptions of instances are checked and replace the instance's type. Each rule has a valid
 * and a rejected case, and the rejection names the import or export.
 */
#include "test.h"
#include "test_component_util.h"

#include "tcvm/component.h"

#include <string.h>

/* Section ids and encodings used below. */
enum { SEC_COMPONENT = 4, SEC_INSTANCE = 5, SEC_ALIAS = 6, SEC_TYPE = 7, SEC_IMPORT = 10 };
enum { SEC_EXPORT = 11 };
#define U32 0x79
#define SORT_FUNC 0x01
#define SORT_TYPE 0x03

/* Appends a section whose body is the given bytes. */
static void sect(cb_t *out, uint8_t id, const uint8_t *body, size_t n)
{
    cb_t s = {0};
    cb_bytes(&s, body, n);
    cb_section(out, id, &s);
    cb_free(&s);
}
#define SECT(out, id, ...)                                                                         \
    do {                                                                                           \
        static const uint8_t body_[] = {__VA_ARGS__};                                              \
        sect(out, id, body_, sizeof body_);                                                        \
    } while (0)

/* Validates b: OK, or the status want with every string of msgs in the message. */
static void expect(const cb_t *b, tcvm_status_t want, const char *msg1, const char *msg2)
{
    tcvm_error_t err = {0};
    tcvm_component_where_t where = {0, -2};
    tcvm_status_t st = tcvm_component_validate(b->d, b->n, &err, &where);
    if (st != want)
        tcvm_test_fail(__FILE__, __LINE__, "validate: got %s (%s), want %s", tcvm_status_name(st),
                       err.message, tcvm_status_name(want));
    if (msg1) CHECK_CONTAINS(err.message, msg1);
    if (msg2) CHECK_CONTAINS(err.message, msg2);
    if (want != TCVM_OK) CHECK(where.section >= 0 && where.offset <= b->n);
}

/* (type $Rec (record (field "x" u32))) [(import "rec" (type $Rec' (eq $Rec)))]
 * (type (func (result $Rec or $Rec'))) (import "f" (func (type ...))) */
static void record_import(bool named)
{
    cb_t b = {0};
    cb_preamble(&b);
    SECT(&b, SEC_TYPE, 1, 0x72, 1, 1, 'x', U32);
    if (named) SECT(&b, SEC_IMPORT, 1, 0x00, 3, 'r', 'e', 'c', 0x03, 0x00, 0x00); /* type 1 */
    if (named)
        SECT(&b, SEC_TYPE, 1, 0x40, 0, 0x00, 1); /* type 2: func () -> type 1 */
    else
        SECT(&b, SEC_TYPE, 1, 0x40, 0, 0x00, 0); /* type 1: func () -> type 0 */
    if (named)
        SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'f', 0x01, 2);
    else
        SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'f', 0x01, 1);
    if (named)
        expect(&b, TCVM_OK, NULL, NULL);
    else
        expect(&b, TCVM_COMP_INVALID, "import \"f\"", "record type (first field `x`)");
    cb_free(&b);
}

TEST(component_visibility_record_in_imported_func)
{
    record_import(true);
    record_import(false);
}

/* An imported resource may be used by imports; a locally defined one may not. */
TEST(component_visibility_resource_in_imported_func)
{
    cb_t b = {0};
    cb_preamble(&b);
    SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'r', 0x03, 0x01);      /* type 0: (sub resource) */
    SECT(&b, SEC_TYPE, 2, 0x69, 0, 0x40, 0, 0x00, 1);       /* 1: own 0; 2: func () -> 1 */
    SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'f', 0x01, 2);
    expect(&b, TCVM_OK, NULL, NULL);
    cb_free(&b);

    cb_preamble(&b);
    SECT(&b, SEC_TYPE, 3, 0x3f, 0x7f, 0x00, 0x69, 0, 0x40, 0, 0x00, 1);
    SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'f', 0x01, 2);
    expect(&b, TCVM_COMP_INVALID, "import \"f\"", "resource");
    cb_free(&b);
}

/* A type export needs every named type it mentions exported first, under the exported index. */
TEST(component_visibility_type_export)
{
    cb_t b = {0};
    cb_preamble(&b);
    SECT(&b, SEC_TYPE, 1, 0x72, 1, 1, 'x', U32);                  /* 0: record */
    SECT(&b, SEC_EXPORT, 1, 0x00, 3, 'r', 'e', 'c', SORT_TYPE, 0, 0x00); /* 1: exported rec */
    SECT(&b, SEC_TYPE, 1, 0x70, 1);                               /* 2: list<rec'> */
    SECT(&b, SEC_EXPORT, 1, 0x00, 1, 'l', SORT_TYPE, 2, 0x00);
    expect(&b, TCVM_OK, NULL, NULL);
    cb_free(&b);

    /* the list refers to the record's definition, not to the index its export made */
    cb_preamble(&b);
    SECT(&b, SEC_TYPE, 1, 0x72, 1, 1, 'x', U32);
    SECT(&b, SEC_EXPORT, 1, 0x00, 3, 'r', 'e', 'c', SORT_TYPE, 0, 0x00);
    SECT(&b, SEC_TYPE, 1, 0x70, 0); /* 2: list<rec> */
    SECT(&b, SEC_EXPORT, 1, 0x00, 1, 'l', SORT_TYPE, 2, 0x00);
    expect(&b, TCVM_COMP_INVALID, "export \"l\"", "record type (first field `x`)");
    cb_free(&b);

    /* tuples, options and lists of primitives need no name */
    cb_preamble(&b);
    SECT(&b, SEC_TYPE, 2, 0x6f, 2, U32, U32, 0x6b, 0);
    SECT(&b, SEC_EXPORT, 1, 0x00, 1, 'o', SORT_TYPE, 1, 0x00);
    expect(&b, TCVM_OK, NULL, NULL);
    cb_free(&b);
}

/* In a component type, an import may not use a resource only that type's exports name. */
TEST(component_visibility_component_type_sides)
{
    cb_t b = {0};
    cb_preamble(&b);
    /* (type (component (import "r" (type (sub resource))) (type (own 0))
     *   (type (func (result 1))) (import "f" (func (type 2))))) */
    SECT(&b, SEC_TYPE, 1, 0x41, 4, 0x03, 0x00, 1, 'r', 0x03, 0x01, 0x01, 0x69, 0, 0x01, 0x40, 0,
         0x00, 1, 0x03, 0x00, 1, 'f', 0x01, 2);
    expect(&b, TCVM_OK, NULL, NULL);
    cb_free(&b);

    cb_preamble(&b);
    SECT(&b, SEC_TYPE, 1, 0x41, 4, 0x04, 0x00, 1, 'r', 0x03, 0x01, 0x01, 0x69, 0, 0x01, 0x40, 0,
         0x00, 1, 0x03, 0x00, 1, 'f', 0x01, 2);
    expect(&b, TCVM_COMP_INVALID, "import \"f\"", "not valid to be used as import");
    cb_free(&b);
}

/* An instance type may declare anything; importing an instance of it checks its exports. */
TEST(component_visibility_instance_import)
{
    cb_t b = {0};
    cb_preamble(&b);
    /* (type (instance (type (record (field "x" u32))) (export "t" (type (eq 0)))
     *   (type (func (param "p" 1))) (export "f" (func (type 2))))) */
    SECT(&b, SEC_TYPE, 1, 0x42, 4, 0x01, 0x72, 1, 1, 'x', U32, 0x04, 0x00, 1, 't', 0x03, 0x00, 0,
         0x01, 0x40, 1, 1, 'p', 1, 0x01, 0x00, 0x04, 0x00, 1, 'f', 0x01, 2);
    SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'i', 0x05, 0);
    expect(&b, TCVM_OK, NULL, NULL);
    cb_free(&b);

    /* the function uses the record's definition (index 0) instead of the exported index */
    cb_preamble(&b);
    SECT(&b, SEC_TYPE, 1, 0x42, 4, 0x01, 0x72, 1, 1, 'x', U32, 0x04, 0x00, 1, 't', 0x03, 0x00, 0,
         0x01, 0x40, 1, 1, 'p', 0, 0x01, 0x00, 0x04, 0x00, 1, 'f', 0x01, 2);
    expect(&b, TCVM_OK, NULL, NULL); /* the type alone is fine */
    SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'i', 0x05, 0);
    expect(&b, TCVM_COMP_INVALID, "import \"i\"", "export `f`: parameter `p`");
    cb_free(&b);
}

/* [method]R.m needs R named on the same side, through the index that names it. */
TEST(component_visibility_annotated_names)
{
    cb_t b = {0};
    cb_preamble(&b);
    SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'b', 0x03, 0x01);               /* type 0: resource */
    SECT(&b, SEC_TYPE, 2, 0x68, 0, 0x40, 1, 4, 's', 'e', 'l', 'f', 1, 0x01, 0x00); /* 1, 2 */
    SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'f', 0x01, 2);                  /* func 0 */
    SECT(&b, SEC_EXPORT, 1, 0x00, 1, 'c', SORT_TYPE, 0, 0x00);       /* type 3 */
    SECT(&b, SEC_TYPE, 2, 0x68, 3, 0x40, 1, 4, 's', 'e', 'l', 'f', 4, 0x01, 0x00); /* 4, 5 */
    /* (export "[method]c.foo" (func 0) (func (type 5))) */
    SECT(&b, SEC_EXPORT, 1, 0x00, 13, '[', 'm', 'e', 't', 'h', 'o', 'd', ']', 'c', '.', 'f', 'o',
         'o', SORT_FUNC, 0, 0x01, 0x01, 5);
    expect(&b, TCVM_OK, NULL, NULL);
    cb_free(&b);

    /* "b" is imported, not exported: the export has no name for its resource */
    cb_preamble(&b);
    SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'b', 0x03, 0x01);
    SECT(&b, SEC_TYPE, 2, 0x68, 0, 0x40, 1, 4, 's', 'e', 'l', 'f', 1, 0x01, 0x00);
    SECT(&b, SEC_IMPORT, 1, 0x00, 1, 'f', 0x01, 2);
    SECT(&b, SEC_EXPORT, 1, 0x00, 13, '[', 'm', 'e', 't', 'h', 'o', 'd', ']', 'b', '.', 'f', 'o',
         'o', SORT_FUNC, 0, 0x00);
    expect(&b, TCVM_COMP_INVALID, "[method]b.foo", "does not have a name in this context");
    cb_free(&b);
}

/*
 * A child that imports a record under a name and exports a record built on it: instantiated
 * with the parent's imported record, the child's export refers to the parent's named type, so
 * the parent may export it. Exporting the child's type when the parent passed an unnamed record
 * is refused.
 */
static void threaded(bool parent_names)
{
    cb_t child = {0};
    cb_preamble(&child);
    SECT(&child, SEC_TYPE, 1, 0x72, 1, 1, 'x', U32);                  /* 0 */
    SECT(&child, SEC_IMPORT, 1, 0x00, 1, 't', 0x03, 0x00, 0);         /* 1: t */
    SECT(&child, SEC_TYPE, 1, 0x72, 1, 1, 'r', 1);                    /* 2: record { r: t } */
    SECT(&child, SEC_EXPORT, 1, 0x00, 2, 't', '2', SORT_TYPE, 2, 0x00); /* 3 */

    cb_t b = {0};
    cb_preamble(&b);
    SECT(&b, SEC_TYPE, 1, 0x72, 1, 1, 'x', U32); /* 0 */
    if (parent_names) SECT(&b, SEC_IMPORT, 1, 0x00, 1, 't', 0x03, 0x00, 0); /* 1 */
    cb_section(&b, SEC_COMPONENT, &child);
    /* (instance (instantiate 0 (with "t" (type 1 or 0)))) */
    if (parent_names)
        SECT(&b, SEC_INSTANCE, 1, 0x00, 0, 1, 1, 't', SORT_TYPE, 1);
    else
        SECT(&b, SEC_INSTANCE, 1, 0x00, 0, 1, 1, 't', SORT_TYPE, 0);
    SECT(&b, SEC_ALIAS, 1, SORT_TYPE, 0x00, 0, 2, 't', '2'); /* type 2 or 1 */
    if (parent_names)
        SECT(&b, SEC_EXPORT, 1, 0x00, 2, 't', '2', SORT_TYPE, 2, 0x00);
    else
        SECT(&b, SEC_EXPORT, 1, 0x00, 2, 't', '2', SORT_TYPE, 1, 0x00);
    if (parent_names)
        expect(&b, TCVM_OK, NULL, NULL);
    else
        expect(&b, TCVM_COMP_INVALID, "export \"t2\"", "record type (first field `x`)");
    cb_free(&b);
    cb_free(&child);
}

TEST(component_visibility_through_instantiation)
{
    threaded(true);
    threaded(false);
}

/* Ascribing an instance export checks it provides what the ascription lists. */
static void ascribe(uint8_t imported_type, uint8_t ascribed_type, tcvm_status_t want)
{
    cb_t b = {0};
    cb_preamble(&b);
    /* type 0: (instance); type 1: (instance (type (func)) (export "f" (func (type 0)))) */
    SECT(&b, SEC_TYPE, 2, 0x42, 0, 0x42, 2, 0x01, 0x40, 0, 0x01, 0x00, 0x04, 0x00, 1, 'f', 0x01,
         0);
    cb_t s = {0};
    const uint8_t imp[] = {1, 0x00, 1, 'i', 0x05, imported_type};
    cb_bytes(&s, imp, sizeof imp);
    cb_section(&b, SEC_IMPORT, &s);
    cb_free(&s);
    /* (export "j" (instance 0) (instance (type ascribed_type))) */
    const uint8_t exp[] = {1, 0x00, 1, 'j', 0x05, 0, 0x01, 0x05, ascribed_type};
    cb_bytes(&s, exp, sizeof exp);
    cb_section(&b, SEC_EXPORT, &s);
    cb_free(&s);
    if (want == TCVM_OK)
        expect(&b, TCVM_OK, NULL, NULL);
    else
        expect(&b, want, "export \"j\"", "missing expected export `f`");
    cb_free(&b);
}

TEST(component_visibility_instance_ascription)
{
    ascribe(1, 0, TCVM_OK);            /* forgetting "f" is allowed */
    ascribe(1, 1, TCVM_OK);            /* the same type */
    ascribe(0, 1, TCVM_COMP_INVALID); /* adding "f" is not */
}
