/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Component Model half of `2cvm spec`: runs one .wast script whose modules are components.
 * tools/wast-parse.mjs (node, with jco's text parser) turns the script into a JSON command list
 * and one binary per component, as wast2json does for core scripts; this file judges every
 * command against the runtime through the public API (tcvm/component.h). Decoding and
 * validation are judged by tcvm_component_new: assert_malformed and assert_invalid must be
 * refused with the matching status, components must load. Components are instantiated with
 * tcvm_cinstance_new (no imports are supplied: the scripts' components are self-contained, and
 * an import makes instantiation fail as unlinkable), exports are called with tcvm_cfunc_call,
 * arguments and expected results are WAVE text read with the export's types and compared with
 * tcvm_cval_equal (NaN equals NaN). A command the runtime refuses for a feature outside the
 * synchronous Component Model (async, streams, GC, ...) is skipped with the runtime's message
 * naming it; so is a form the converter could not turn into a binary (text syntax newer or older
 * than jco's parser), and every command on an instance whose component was refused. The
 * per-file line and the counts are those of spec_run.c.
 */
#include "cli/spec.h"

#include "base/base.h"
#include "tcvm/component.h"
#include "tcvm/wasm.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SC_MAX_COMPONENT_SIZE ((size_t)256 << 20) /* one component binary */

#define SC_MAX_SLOTS 4096 /* components and instances named or made by one script */

/* A component (definition) or an instance of the script, by name ($id, or "" for none). */
typedef struct sc_slot {
    char name[64];
    tcvm_component_t *component; /* definitions */
    tcvm_cinstance_t *instance;  /* instances (which keep their component here too) */
    bool definition;             /* a component definition (with or without component) */
    char skip[SPEC_REASON_SIZE];   /* non-empty: refused; commands on it are skipped with this */
} sc_slot_t;

typedef struct sc_file {
    const spec_options_t *opt;
    const char *display;
    tcvm_engine_t *engine;
    spec_tally_t t;
    unsigned long components_seen, components_refused;
    char refused_reason[SPEC_REASON_SIZE];
    sc_slot_t *slots;
    size_t slot_count;
    size_t current; /* slot of the last instance; SIZE_MAX before the first */
} sc_file_t;

static void textf(char *out, size_t size, const char *fmt, ...) TCVM__PRINTF(3, 4);
static void textf(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}

/* ---- verdicts ------------------------------------------------------------------------ */

static void pass(sc_file_t *f, spec_kind_t kind)
{
    spec_tally_pass(&f->t, kind);
}

static void failf(sc_file_t *f, spec_kind_t kind, unsigned line, const char *fmt, ...)
    TCVM__PRINTF(4, 5);
static void failf(sc_file_t *f, spec_kind_t kind, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    spec_tally_vfail(&f->t, kind, line, fmt, ap);
    va_end(ap);
}

/* Counts a skip and groups the reasons (without the offsets and lines that differ). */
static void skip(sc_file_t *f, spec_kind_t kind, unsigned line, const char *reason)
{
    /* the key leaves out the places that differ between commands: " at offset N" and
     * " (line N, column N of the form)" */
    char key[SPEC_REASON_SIZE];
    textf(key, sizeof key, "%s", reason);
    char *place = strstr(key, " (line ");
    if (place != NULL) *place = '\0';
    while ((place = strstr(key, " at offset ")) != NULL) {
        char *end = place + 11;
        while (*end >= '0' && *end <= '9')
            end++;
        memmove(place, end, strlen(end) + 1);
    }
    spec_tally_skip(&f->t, kind, line, reason, key);
}

/* ---- components ---------------------------------------------------------------------- */

typedef enum load_result { LOAD_OK, LOAD_REFUSED, LOAD_ERROR } load_result_t;

/*
 * Reads DIR/filename and loads it as a component (decode, validate, compile its core modules).
 * LOAD_REFUSED: the runtime refused it (err says why); LOAD_ERROR: the file could not be read
 * (why says so).
 */
static load_result_t load_component(sc_file_t *f, const char *dir, const char *filename,
                                    tcvm_component_t **out, tcvm_error_t *err, char *why,
                                    size_t why_size)
{
    if (filename == NULL || filename[0] == '\0' || strchr(filename, '/') != NULL) {
        textf(why, why_size, "bad component file name in the converted script");
        return LOAD_ERROR;
    }
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, filename) >= sizeof path) {
        textf(why, why_size, "path too long");
        return LOAD_ERROR;
    }
    uint8_t *bytes = NULL;
    size_t size = 0;
    tcvm_error_t read_err = {0};
    if (tcvm__read_file(path, SC_MAX_COMPONENT_SIZE, &bytes, &size, &read_err) != TCVM_OK) {
        textf(why, why_size, "cannot read %s: %s", filename, read_err.message);
        return LOAD_ERROR;
    }
    tcvm_component_where_t where = {0, -1};
    tcvm_status_t st = tcvm_component_new(f->engine, bytes, size, out, err, &where);
    tcvm__free(bytes);
    if (st == TCVM_OK) return LOAD_OK;
    err->status = st;
    /* Component scripts are written against WebAssembly 3.0, where a core module may have
     * several memories; the engine implements 2.0 and refuses them as invalid. Here that is a
     * missing feature, not a verdict on the component. */
    if (st == TCVM_WASM_INVALID && strstr(err->message, TCVM_WASM_MULTI_MEMORY_REFUSAL) != NULL)
        err->status = TCVM_WASM_FEATURE;
    return LOAD_REFUSED;
}

/* Does item (len bytes) of a comma-separated feature list name feature? */
static bool list_names(const char *list, size_t len, const char *feature)
{
    size_t fl = strlen(feature), st = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && list[i] != ',') continue;
        if (i - st == fl && memcmp(list + st, feature, fl) == 0) return true;
        st = i + 1;
    }
    return false;
}

/*
 * Does the script's `;; RUN:` line (wasm-tools' runner directive at the top of its files) turn
 * on feature with `-f LIST` or `--features=LIST`? wasm-tools runs a file such as
 * nested-names.wast with a gated feature on, and the same names are invalid in the files that
 * run without it; the runtime is asked for the feature only where the script asks for it.
 */
static bool script_enables(const char *path, const char *feature)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) return false;
    char line[1024];
    bool on = false;
    for (int n = 0; n < 8 && !on && fgets(line, sizeof line, fp) != NULL; n++) {
        if (strncmp(line, ";; RUN:", 7) != 0) continue;
        const char *p = line + 7;
        while (*p != '\0' && !on) {
            while (*p == ' ' || *p == '\t')
                p++;
            size_t len = strcspn(p, " \t\r\n");
            if (len == 2 && strncmp(p, "-f", 2) == 0) {
                p += len;
                while (*p == ' ' || *p == '\t')
                    p++;
                on = list_names(p, strcspn(p, " \t\r\n"), feature);
            } else if (len > 11 && strncmp(p, "--features=", 11) == 0) {
                on = list_names(p + 11, len - 11, feature);
            }
            p += strcspn(p, " \t\r\n");
            if (len == 0) break;
        }
    }
    fclose(fp);
    return on;
}

static bool is_feature(tcvm_status_t st)
{
    return st == TCVM_COMP_FEATURE || st == TCVM_WASM_FEATURE;
}

static unsigned json_line(json_t *cmd)
{
    json_int_t l = json_integer_value(json_object_get(cmd, "line"));
    return l > 0 && l < (json_int_t)UINT32_MAX ? (unsigned)l : 0;
}

static sc_slot_t *new_slot(sc_file_t *f, const char *name)
{
    if (f->slot_count == SC_MAX_SLOTS) return NULL;
    if (f->slots == NULL) {
        f->slots = tcvm__calloc(SC_MAX_SLOTS, sizeof *f->slots);
        if (f->slots == NULL) return NULL;
    }
    sc_slot_t *slot = &f->slots[f->slot_count++];
    memset(slot, 0, sizeof *slot);
    textf(slot->name, sizeof slot->name, "%s", name ? name : "");
    return slot;
}

/* The latest slot named name that holds a definition (or was refused as one). */
static sc_slot_t *find_definition(sc_file_t *f, const char *name)
{
    for (size_t i = f->slot_count; name != NULL && i-- > 0;)
        if (strcmp(f->slots[i].name, name) == 0 && f->slots[i].definition) return &f->slots[i];
    return NULL;
}

static bool is_trap(tcvm_status_t st)
{
    return st == TCVM_COMP_TRAP || st == TCVM_ESTATE ||
           (st <= TCVM_TRAP_UNREACHABLE && st >= TCVM_TRAP_INTERRUPTED);
}

/*
 * The trap an assert_trap expects. The scripts' messages are one engine's wording, so most only
 * say "a trap"; the core traps they name unambiguously must be that trap.
 */
static bool trap_matches(tcvm_status_t st, const char *text)
{
    if (!is_trap(st)) return false;
    if (text == NULL) return true;
    if (strstr(text, "unreachable") != NULL) return st == TCVM_TRAP_UNREACHABLE;
    if (strstr(text, "integer divide by zero") != NULL) return st == TCVM_TRAP_DIV_ZERO;
    if (strstr(text, "out of bounds memory access") != NULL) return st == TCVM_TRAP_MEMORY_OOB;
    return true;
}

static tcvm_cinstance_config_t instance_config(const sc_file_t *f)
{
    tcvm_cinstance_config_t config;
    memset(&config, 0, sizeof config);
    config.fuel = f->opt->fuel;
    return config;
}

/* Instantiates component into a new slot that becomes the current instance, and returns the
 * slot (NULL when there is no room). */
static sc_slot_t *instantiate(sc_file_t *f, spec_kind_t kind, unsigned line, const char *name,
                              tcvm_component_t *component)
{
    sc_slot_t *slot = new_slot(f, name);
    if (slot == NULL) {
        failf(f, kind, line, "too many components and instances in one script");
        return NULL;
    }
    f->current = (size_t)(slot - f->slots);
    tcvm_cinstance_config_t config = instance_config(f);
    tcvm_error_t err = {0};
    tcvm_status_t st =
        tcvm_cinstance_new(f->engine, component, NULL, &config, &slot->instance, &err);
    if (st == TCVM_OK) {
        pass(f, kind);
        return slot;
    }
    slot->instance = NULL;
    textf(slot->skip, sizeof slot->skip, "its instantiation failed");
    if (is_feature(st)) {
        textf(slot->skip, sizeof slot->skip, "refused feature: %s", err.message);
        skip(f, kind, line, slot->skip);
    } else {
        failf(f, kind, line, "instantiation: %s: %s", tcvm_status_name(st), err.message);
    }
    return slot;
}

/* component (define and instantiate), component_definition: the component must load. */
static void cmd_component(sc_file_t *f, const char *dir, json_t *cmd, unsigned line,
                          bool definition)
{
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *name = json_string_value(json_object_get(cmd, "name"));
    tcvm_component_t *c = NULL;
    tcvm_error_t err = {0};
    char why[SPEC_REASON_SIZE + 128];
    char reason[SPEC_REASON_SIZE] = "";
    f->components_seen++;
    load_result_t lr = load_component(f, dir, filename, &c, &err, why, sizeof why);
    if (lr == LOAD_ERROR) {
        failf(f, SPEC_MODULE, line, "%s", why);
        textf(reason, sizeof reason, "its component could not be read");
    } else if (lr == LOAD_REFUSED && is_feature(err.status)) {
        f->components_refused++;
        textf(why, sizeof why, "refused feature: %s", err.message);
        if (f->refused_reason[0] == '\0')
            textf(f->refused_reason, sizeof f->refused_reason, "%s", err.message);
        skip(f, SPEC_MODULE, line, why);
        textf(reason, sizeof reason, "%s", why);
    } else if (lr == LOAD_REFUSED) {
        failf(f, SPEC_MODULE, line, "%s: %s: %s", filename, tcvm_status_name(err.status),
              err.message);
        textf(reason, sizeof reason, "its component failed to load");
    } else if (definition) {
        pass(f, SPEC_MODULE); /* a component (define and instantiate) counts once, below */
    }
    if (definition) {
        sc_slot_t *slot = new_slot(f, name);
        if (slot == NULL) {
            failf(f, SPEC_MODULE, line, "too many components and instances in one script");
            tcvm_component_free(c);
            return;
        }
        slot->component = c;
        slot->definition = true;
        textf(slot->skip, sizeof slot->skip, "%s", reason);
        return;
    }
    if (c != NULL && tcvm_component_import_count(c) > 0) {
        /* Scripts give top-level components nothing to import (wasm-tools' scripts only
         * validate them): such a component is judged by loading it, and is not run. */
        textf(reason, sizeof reason,
              "the component has imports, which the script does not provide: validated only");
        tcvm_component_free(c);
        c = NULL;
        pass(f, SPEC_MODULE);
    }
    if (c == NULL) {
        sc_slot_t *slot = new_slot(f, name);
        if (slot != NULL) {
            textf(slot->skip, sizeof slot->skip, "%s", reason);
            f->current = (size_t)(slot - f->slots);
        }
        return;
    }
    sc_slot_t *slot = instantiate(f, SPEC_MODULE, line, name, c);
    if (slot != NULL)
        slot->component = c; /* kept while the instance lives: its function types are in it */
    else
        tcvm_component_free(c);
}

/* component_instance $i $d: instantiates a definition. */
static void cmd_component_instance(sc_file_t *f, json_t *cmd, unsigned line)
{
    const char *def = json_string_value(json_object_get(cmd, "definition"));
    const char *name = json_string_value(json_object_get(cmd, "instance"));
    sc_slot_t *d = find_definition(f, def);
    if (d == NULL || d->component == NULL) {
        sc_slot_t *slot = new_slot(f, name);
        if (slot != NULL) {
            f->current = (size_t)(slot - f->slots);
            textf(slot->skip, sizeof slot->skip, "%s",
                  d != NULL && d->skip[0] ? d->skip : "no such component definition");
        }
        if (d != NULL && d->skip[0] != '\0')
            skip(f, SPEC_MODULE, line, d->skip);
        else
            failf(f, SPEC_MODULE, line, "no component definition %s", def ? def : "(none)");
        return;
    }
    instantiate(f, SPEC_MODULE, line, name, d->component);
}

/* assert_invalid, assert_malformed: the runtime must refuse the binary with the right status. */
static void cmd_assert_refused(sc_file_t *f, spec_kind_t kind, const char *dir, json_t *cmd,
                               unsigned line)
{
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
    const char *mkind = json_string_value(json_object_get(cmd, "module_kind"));
    const char *text = json_string_value(json_object_get(cmd, "text"));
    bool text_form = mtype != NULL && strcmp(mtype, "text") == 0;
    if (mkind != NULL && strcmp(mkind, "module") == 0) {
        skip(f, kind, line, "a core module in a component script: judged by the core runner");
        return;
    }
    tcvm_component_t *c = NULL;
    tcvm_error_t err = {0};
    char why[SPEC_REASON_SIZE + 128];
    load_result_t lr = load_component(f, dir, filename, &c, &err, why, sizeof why);
    tcvm_component_free(c);
    if (lr == LOAD_ERROR) {
        failf(f, kind, line, "%s", why);
        return;
    }
    if (lr == LOAD_OK) {
        if (text_form) {
            /* (component quote ...) that jco's parser turned into a well-formed binary: the
             * malformation is one of the text format, which the runtime never sees. */
            skip(f, kind, line,
                 "malformed only as text: jco's parser accepted it and the binary is well-formed");
            return;
        }
        failf(f, kind, line, "%s: expected %s (\"%s\"), got OK", filename,
              kind == SPEC_ASSERT_INVALID ? "COMP_INVALID" : "COMP_MALFORMED", text ? text : "");
        return;
    }
    if (is_feature(err.status)) {
        /* The script expects the binary refused because a feature is not enabled (wasm-tools'
         * missing-features tests), and the runtime refuses it as a feature it does not
         * support: that is the expected verdict. Otherwise the check was not made. */
        if (kind == SPEC_ASSERT_INVALID && text != NULL &&
            (strstr(text, "feature") != NULL || strstr(text, "not enabled") != NULL ||
             strstr(text, "not active") != NULL || strstr(text, "proposal") != NULL)) {
            pass(f, kind);
            return;
        }
        textf(why, sizeof why, "refused feature: %s", err.message);
        skip(f, kind, line, why);
        return;
    }
    bool ok;
    if (kind == SPEC_ASSERT_INVALID)
        ok = err.status == TCVM_COMP_INVALID || err.status == TCVM_WASM_INVALID;
    else
        ok = err.status == TCVM_COMP_MALFORMED || err.status == TCVM_WASM_MALFORMED ||
             (text_form && err.status == TCVM_COMP_INVALID);
    if (ok)
        pass(f, kind);
    else
        failf(f, kind, line, "%s: expected %s (\"%s\"), got %s: %s", filename,
              kind == SPEC_ASSERT_INVALID ? "COMP_INVALID" : "COMP_MALFORMED", text ? text : "",
              tcvm_status_name(err.status), err.message);
}

/* assert_unlinkable, and assert_trap of an instantiation: the component must load, then its
 * instantiation must fail as unlinkable, or trap. */
static void cmd_assert_instantiate(sc_file_t *f, spec_kind_t kind, const char *dir, json_t *cmd,
                                   unsigned line)
{
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *text = json_string_value(json_object_get(cmd, "text"));
    tcvm_component_t *c = NULL;
    tcvm_error_t err = {0};
    char why[SPEC_REASON_SIZE + 128];
    load_result_t lr = load_component(f, dir, filename, &c, &err, why, sizeof why);
    if (lr == LOAD_ERROR) {
        failf(f, kind, line, "%s", why);
    } else if (lr == LOAD_REFUSED && is_feature(err.status)) {
        textf(why, sizeof why, "refused feature: %s", err.message);
        skip(f, kind, line, why);
    } else if (lr == LOAD_REFUSED) {
        failf(f, kind, line, "%s: the component must load before it can %s: %s: %s", filename,
              kind == SPEC_ASSERT_TRAP ? "trap" : "fail to link", tcvm_status_name(err.status),
              err.message);
    } else {
        tcvm_cinstance_t *inst = NULL;
        tcvm_cinstance_config_t config = instance_config(f);
        tcvm_status_t st = tcvm_cinstance_new(f->engine, c, NULL, &config, &inst, &err);
        tcvm_cinstance_free(inst);
        bool ok = kind == SPEC_ASSERT_TRAP ? trap_matches(st, text) : st == TCVM_COMP_UNLINKABLE;
        if (ok)
            pass(f, kind);
        else if (st == TCVM_OK)
            failf(f, kind, line, "%s: expected %s (\"%s\"), but it instantiated", filename,
                  kind == SPEC_ASSERT_TRAP ? "a trap" : "COMP_UNLINKABLE", text ? text : "");
        else
            failf(f, kind, line, "%s: expected %s (\"%s\"), got %s: %s", filename,
                  kind == SPEC_ASSERT_TRAP ? "a trap" : "COMP_UNLINKABLE", text ? text : "",
                  tcvm_status_name(st), err.message);
    }
    tcvm_component_free(c);
}

/* ---- actions ------------------------------------------------------------------------- */

typedef enum action_result { ACTION_DONE, ACTION_SKIPPED, ACTION_FAILED } action_result_t;

typedef struct sc_action {
    tcvm_cinstance_t *instance;
    const tcvm_cfunctype_t *type;
    tcvm_status_t status; /* of the call */
    tcvm_cval_t result;
    bool has_result;
    char message[TCVM_ERROR_MSG_SIZE];
} sc_action_t;

/* Reads an action's instance, export and arguments and calls it; ACTION_DONE with the call's
 * status in a->status (and its result), or a skip or a failure already counted under kind. */
static action_result_t run_action(sc_file_t *f, spec_kind_t kind, unsigned line, json_t *action,
                                  sc_action_t *a)
{
    memset(a, 0, sizeof *a);
    const char *field = json_string_value(json_object_get(action, "field"));
    const char *iname = json_string_value(json_object_get(action, "instance"));
    json_t *args = json_object_get(action, "args");
    if (field == NULL || !json_is_array(args)) {
        failf(f, kind, line, "an action without an export name or arguments");
        return ACTION_FAILED;
    }
    sc_slot_t *slot = NULL;
    if (iname != NULL) {
        for (size_t i = f->slot_count; i-- > 0;)
            if (strcmp(f->slots[i].name, iname) == 0 &&
                (f->slots[i].instance != NULL || f->slots[i].skip[0] != '\0')) {
                slot = &f->slots[i];
                break;
            }
    } else if (f->current != SIZE_MAX) {
        slot = &f->slots[f->current];
    }
    if (slot == NULL) {
        failf(f, kind, line, "no component instance to invoke \"%s\" on", field);
        return ACTION_FAILED;
    }
    if (slot->instance == NULL) {
        skip(f, kind, line, slot->skip[0] ? slot->skip : "its instance is missing");
        return ACTION_SKIPPED;
    }
    tcvm_cfunc_t *fn = tcvm_cinstance_func(slot->instance, field);
    if (fn == NULL) {
        failf(f, kind, line, "the instance exports no function \"%s\"", field);
        return ACTION_FAILED;
    }
    const tcvm_cfunctype_t *ft = tcvm_cfunc_type(fn);
    size_t n = json_array_size(args);
    if (n != tcvm_cfunctype_param_count(ft)) {
        failf(f, kind, line, "\"%s\" takes %zu arguments, the script gives %zu", field,
              tcvm_cfunctype_param_count(ft), n);
        return ACTION_FAILED;
    }
    tcvm_cval_t *vals = n ? tcvm__calloc(n, sizeof *vals) : NULL;
    if (n && vals == NULL) {
        failf(f, kind, line, "out of memory");
        return ACTION_FAILED;
    }
    action_result_t r = ACTION_DONE;
    for (size_t i = 0; i < n; i++) {
        const char *text = json_string_value(json_array_get(args, i));
        tcvm_error_t err = {0};
        if (text == NULL || tcvm_wave_parse(tcvm_cfunctype_param(ft, i), text, strlen(text),
                                            &vals[i], &err) != TCVM_OK) {
            failf(f, kind, line, "argument %zu of \"%s\" (%s): %s", i, field,
                  text ? text : "not text", err.message);
            tcvm_cval_clear_array(vals, i);
            r = ACTION_FAILED;
            goto out;
        }
    }
    a->instance = slot->instance;
    a->type = ft;
    a->has_result = tcvm_cfunctype_result(ft) != NULL;
    a->status = tcvm_cfunc_call(slot->instance, fn, vals, n, a->has_result ? &a->result : NULL);
    if (a->status != TCVM_OK) {
        a->has_result = false;
        const tcvm_error_t *e = tcvm_cinstance_error(slot->instance);
        textf(a->message, sizeof a->message, "%s",
              e && e->message[0] ? e->message : tcvm_status_message(a->status));
    }
    tcvm_cval_clear_array(vals, n);
out:
    tcvm__free(vals);
    return r;
}

/* action, assert_return, assert_trap of an invocation */
static void cmd_action(sc_file_t *f, spec_kind_t kind, json_t *cmd, unsigned line)
{
    sc_action_t a;
    if (run_action(f, kind, line, json_object_get(cmd, "action"), &a) != ACTION_DONE) return;
    const char *field = json_string_value(json_object_get(json_object_get(cmd, "action"), "field"));
    if (kind == SPEC_ASSERT_TRAP) {
        const char *text = json_string_value(json_object_get(cmd, "text"));
        if (trap_matches(a.status, text))
            pass(f, kind);
        else if (a.status == TCVM_OK)
            failf(f, kind, line, "\"%s\": expected a trap (\"%s\"), it returned", field,
                  text ? text : "");
        else
            failf(f, kind, line, "\"%s\": expected a trap (\"%s\"), got %s: %s", field,
                  text ? text : "", tcvm_status_name(a.status), a.message);
    } else if (a.status != TCVM_OK) {
        failf(f, kind, line, "\"%s\": %s: %s", field, tcvm_status_name(a.status), a.message);
    } else if (kind == SPEC_ACTION) {
        pass(f, kind);
    } else {
        json_t *expected = json_object_get(cmd, "expected");
        const tcvm_ctype_t *rt = tcvm_cfunctype_result(a.type);
        size_t want_n = json_array_size(expected);
        if (want_n != (rt != NULL ? 1u : 0u)) {
            failf(f, kind, line, "\"%s\" returns %u values, the script expects %zu", field,
                  rt != NULL ? 1u : 0u, want_n);
        } else if (rt == NULL) {
            pass(f, kind);
        } else {
            const char *text = json_string_value(json_array_get(expected, 0));
            tcvm_cval_t want;
            memset(&want, 0, sizeof want);
            tcvm_error_t err = {0};
            if (text == NULL || tcvm_wave_parse(rt, text, strlen(text), &want, &err) != TCVM_OK) {
                failf(f, kind, line, "expected result of \"%s\" (%s): %s", field,
                      text ? text : "not text", err.message);
            } else if (tcvm_cval_equal(&a.result, &want)) {
                pass(f, kind);
            } else {
                char *got = tcvm_wave_print(rt, &a.result);
                failf(f, kind, line, "\"%s\" returned %s, expected %s", field,
                      got ? got : "(unprintable)", text);
                tcvm_ctext_free(got);
            }
            tcvm_cval_clear(&want);
        }
    }
    if (a.has_result) tcvm_cval_clear(&a.result);
}

static void run_command(sc_file_t *f, const char *dir, json_t *cmd)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    unsigned line = json_line(cmd);
    if (type == NULL) {
        failf(f, SPEC_OTHER, line, "a command without a type in the converted script");
    } else if (strcmp(type, "component") == 0) {
        cmd_component(f, dir, cmd, line, false);
    } else if (strcmp(type, "component_definition") == 0) {
        cmd_component(f, dir, cmd, line, true);
    } else if (strcmp(type, "component_instance") == 0) {
        cmd_component_instance(f, cmd, line);
    } else if (strcmp(type, "assert_invalid") == 0) {
        cmd_assert_refused(f, SPEC_ASSERT_INVALID, dir, cmd, line);
    } else if (strcmp(type, "assert_malformed") == 0) {
        cmd_assert_refused(f, SPEC_ASSERT_MALFORMED, dir, cmd, line);
    } else if (strcmp(type, "assert_unlinkable") == 0) {
        cmd_assert_instantiate(f, SPEC_ASSERT_UNLINKABLE, dir, cmd, line);
    } else if (strcmp(type, "assert_trap") == 0 && json_object_get(cmd, "filename") != NULL) {
        cmd_assert_instantiate(f, SPEC_ASSERT_TRAP, dir, cmd, line);
    } else if (strcmp(type, "assert_return") == 0) {
        cmd_action(f, SPEC_ASSERT_RETURN, cmd, line);
    } else if (strcmp(type, "assert_trap") == 0) {
        cmd_action(f, SPEC_ASSERT_TRAP, cmd, line);
    } else if (strcmp(type, "action") == 0) {
        cmd_action(f, SPEC_ACTION, cmd, line);
    } else if (strcmp(type, "register") == 0) {
        skip(f, SPEC_REGISTER, line, "register: component scripts here link nothing by name");
    } else if (strcmp(type, "module") == 0 || strcmp(type, "module_instance") == 0) {
        skip(f, SPEC_MODULE, line, "a core module at script level: judged by the core runner");
    } else if (strcmp(type, "skip") == 0) {
        const char *reason = json_string_value(json_object_get(cmd, "reason"));
        const char *form = json_string_value(json_object_get(cmd, "form"));
        spec_kind_t kind = SPEC_OTHER;
        for (int k = 0; form != NULL && k < SPEC_KIND_COUNT; k++)
            if (strcmp(form, spec_kind_name((spec_kind_t)k)) == 0) kind = (spec_kind_t)k;
        if (reason == NULL) reason = "the converter could not convert this form";
        if (form != NULL && strcmp(form, "component") == 0) {
            /* what runs on this component is skipped for the same reason */
            kind = SPEC_MODULE;
            sc_slot_t *slot = new_slot(f, json_string_value(json_object_get(cmd, "name")));
            if (slot != NULL) {
                slot->definition = json_is_true(json_object_get(cmd, "definition"));
                textf(slot->skip, sizeof slot->skip, "%s", reason);
                if (!slot->definition) f->current = (size_t)(slot - f->slots);
            }
        }
        skip(f, kind, line, reason);
    } else {
        char why[SPEC_REASON_SIZE];
        textf(why, sizeof why, "unknown command %s", type);
        skip(f, SPEC_OTHER, line, why);
    }
}

/* ---- the converter ------------------------------------------------------------------- */

/* Finds tools/wast-parse.mjs: the option, the source tree this 2cvm was built from, or
 * ../tools beside the directory of the executable. */
static bool find_converter(const spec_options_t *opt, char *out, size_t size)
{
    if (opt->wast_parse != NULL) {
        textf(out, size, "%s", opt->wast_parse);
        return access(out, R_OK) == 0;
    }
#ifdef TCVM_TOOLS_DIR
    textf(out, size, "%s/wast-parse.mjs", TCVM_TOOLS_DIR);
    if (access(out, R_OK) == 0) return true;
#endif
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            textf(out, size, "%s/../tools/wast-parse.mjs", exe);
            if (access(out, R_OK) == 0) return true;
        }
    }
    return false;
}

static bool run_converter(const char *node, const char *tool, const char *path, const char *dir,
                          const char *out, char *why, size_t why_size)
{
    char log[PATH_MAX];
    if ((size_t)snprintf(log, sizeof log, "%s/wast-parse.log", dir) >= sizeof log) {
        textf(why, why_size, "temporary path too long");
        return false;
    }
    char *argv[] = {(char *)node, (char *)tool, (char *)path, (char *)"-o", (char *)out, NULL};
    return spec_run_converter(argv, "wast-parse.mjs", log,
                              " (component scripts need node and jco: run scripts/setup)", why,
                              why_size);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        int fd = dirfd(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(fd, e->d_name, 0);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ---- one file ------------------------------------------------------------------------ */

bool spec_is_component_script(const char *path)
{
    size_t n = strlen(path);
    if (n < 5 || strcmp(path + n - 5, ".wast") != 0) return false;
    FILE *fp = fopen(path, "r");
    if (fp == NULL) return false;
    /* a component script says "(component" somewhere; core scripts never do */
    char buf[8192 + 16];
    size_t keep = 0;
    bool found = false;
    for (;;) {
        size_t got = fread(buf + keep, 1, sizeof buf - 1 - keep, fp);
        if (got == 0) break;
        buf[keep + got] = '\0';
        if (memmem(buf, keep + got, "(component", 10) != NULL) {
            found = true;
            break;
        }
        size_t total = keep + got;
        keep = total < 10 ? total : 10;
        memmove(buf, buf + total - keep, keep);
    }
    fclose(fp);
    return found;
}

static void print_result(sc_file_t *f)
{
    spec_tally_print(&f->t, f->display);
}

/* A file whose every component the runtime refuses for a feature (async, GC, ...) is skipped as
 * a whole, unless something in it failed: its judged invalid binaries say little about the
 * runtime when none of its components can run. */
static void whole_file_skip(sc_file_t *f)
{
    if (f->components_seen == 0 || f->components_refused != f->components_seen ||
        f->t.counts.failed != 0 || f->t.counts.passed == 0)
        return;
    char reason[SPEC_REASON_SIZE];
    textf(reason, sizeof reason, "every component uses a refused feature (%s)", f->refused_reason);
    spec_tally_skip_all(&f->t, reason);
}

void spec_component_run_file(const char *path, const spec_options_t *opt, spec_counts_t *out_counts)
{
    sc_file_t f;
    memset(&f, 0, sizeof f);
    f.opt = opt;
    f.t.opt = opt;
    f.current = SIZE_MAX;
    const char *slash = strrchr(path, '/');
    f.display = slash ? slash + 1 : path;
    char tmp[PATH_MAX] = "";
    char json_path[PATH_MAX];
    char tool[PATH_MAX];
    char why[SPEC_REASON_SIZE + 128] = "";
    json_t *root = NULL;

    if (!find_converter(opt, tool, sizeof tool)) {
        textf(why, sizeof why,
              "tools/wast-parse.mjs not found (it converts component scripts; give "
              "--wast-parse PATH)");
        goto fail_file;
    }
    const char *t = getenv("TMPDIR");
    if (t == NULL || t[0] == '\0') t = "/tmp";
    textf(tmp, sizeof tmp, "%s/2cvm-cspec-XXXXXX", t);
    if (mkdtemp(tmp) == NULL) {
        textf(why, sizeof why, "cannot make a temporary directory in %s: %s", t, strerror(errno));
        tmp[0] = '\0';
        goto fail_file;
    }
    size_t stem_len = strlen(f.display);
    if (stem_len > 5 && strcmp(f.display + stem_len - 5, ".wast") == 0) stem_len -= 5;
    if ((size_t)snprintf(json_path, sizeof json_path, "%s/%.*s.json", tmp, (int)stem_len,
                         f.display) >= sizeof json_path) {
        textf(why, sizeof why, "temporary path too long");
        goto fail_file;
    }
    if (!run_converter(opt->node ? opt->node : "node", tool, path, tmp, json_path, why, sizeof why))
        goto fail_file;

    json_error_t jerr;
    root = json_load_file(json_path, 0, &jerr);
    if (root == NULL) {
        textf(why, sizeof why, "cannot read %s: %s (line %d)", json_path, jerr.text, jerr.line);
        goto fail_file;
    }
    json_t *commands = json_object_get(root, "commands");
    if (!json_is_array(commands)) {
        textf(why, sizeof why, "%s has no \"commands\" list", json_path);
        goto fail_file;
    }
    tcvm_engine_config_t config = {.fuel = opt->fuel != 0, .tier = (tcvm_tier_t)opt->tier};
    config.component_nested_names = script_enables(path, "cm-nested-names");
    tcvm_status_t st = tcvm_engine_new(&config, &f.engine);
    if (st != TCVM_OK) {
        textf(why, sizeof why, "cannot create the engine: %s", tcvm_status_name(st));
        goto fail_file;
    }
    size_t i;
    json_t *cmd;
    json_array_foreach(commands, i, cmd)
    {
        run_command(&f, tmp, cmd);
    }
    whole_file_skip(&f);
    print_result(&f);
    goto done;

fail_file:
    f.t.counts.failed++;
    f.t.counts.kind[SPEC_OTHER][1]++;
    printf("FAIL %s: %s\n", f.display, why);
done:
    fflush(stdout);
    *out_counts = f.t.counts;
    /* instances first: those made from a definition use a component held by an earlier slot */
    for (size_t k = 0; k < f.slot_count; k++)
        tcvm_cinstance_free(f.slots[k].instance);
    for (size_t k = 0; k < f.slot_count; k++)
        tcvm_component_free(f.slots[k].component);
    tcvm__free(f.slots);
    tcvm_engine_free(f.engine);
    json_decref(root);
    spec_tally_free(&f.t);
    if (tmp[0] != '\0') remove_dir(tmp);
}
