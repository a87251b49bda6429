/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm wasm validate MODULE.wasm` and `2cvm wasm run MODULE.wasm [--invoke NAME] [--fuel N]
 * [--max-memory PAGES] [ARG...]`: argument handling around the engine's public API. Arguments
 * and results are typed values in the spec-test syntax of tcvm/wasm_text.h ("i32:7",
 * "f64:0x1p-3"; an argument may also be the bare literal, typed by the parameter). The command
 * provides no imports (no WASI, no host functions): a module that needs any is refused with
 * the list of what it imports.
 */
#include "cli/cli.h"

#include "base/base.h"
#include "tcvm/wasm.h"
#include "tcvm/wasm_text.h"

#include <stdio.h>
#include <string.h>

static void wasm_usage(FILE *out)
{
    fprintf(out,
            "usage: 2cvm wasm validate MODULE.wasm\n"
            "       2cvm wasm run MODULE.wasm [--invoke NAME] [--fuel N] [--max-memory PAGES]\n"
            "                                 [--] [ARG...]\n"
            "\n"
            "validate  decodes and validates the module; prints \"valid\" or what is wrong and\n"
            "          where (byte offset, section, function)\n"
            "run       instantiates the module (running its start function) and calls the export\n"
            "          NAME with the arguments, or without --invoke the export _start; prints\n"
            "          each result on its own line\n"
            "\n"
            "  --invoke NAME       the exported function to call\n"
            "  --fuel N            stop with a trap after N executed instructions (interp)\n"
            "  --tier interp|aot   run on the interpreter (default) or ahead-of-time code\n"
            "  --max-memory PAGES  cap every memory at PAGES pages of 64 KiB\n"
            "\n"
            "Values are TYPE:LITERAL: i32:7 i64:-1 f32:1.5 f64:0x1p-3 f32:inf f32:nan\n"
            "f32:nan:0x200000 f64:bits:0x3ff8000000000000 externref:null funcref:null; an\n"
            "argument may be just the literal (typed by the parameter). Results print exactly,\n"
            "NaNs with their payload. No imports are provided (no WASI): a module that imports\n"
            "anything is refused.\n"
            "\n"
            "exit status: 0 ok, 1 invalid module, refused import or trap, 2 usage error\n");
}

static tcvm_status_t read_module(const char *path, uint8_t **data, size_t *size)
{
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm__read_file(path, TCVM_MAX_FILE_SIZE, data, size, &err);
    if (st != TCVM_OK) cli_errorf("%s", err.message);
    return st;
}

static int cmd_validate(int argc, char **argv)
{
    if (argc != 2) {
        wasm_usage(stderr);
        return CLI_USAGE;
    }
    uint8_t *bytes;
    size_t size;
    if (read_module(argv[1], &bytes, &size) != TCVM_OK) return CLI_FAIL;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_module_validate(bytes, size, &err);
    tcvm__free(bytes);
    if (st != TCVM_OK) {
        cli_errorf("%s: %s: %s", argv[1], tcvm_status_name(st),
                   err.message[0] ? err.message : tcvm_status_message(st));
        return CLI_FAIL;
    }
    printf("%s: valid\n", argv[1]);
    return CLI_OK;
}

/* Appends "(t1 t2)" for count types. */
static void types_text(tcvm_buf_t *b, const tcvm_valtype_t *types, uint32_t count)
{
    tcvm__buf_printf(b, "(");
    for (uint32_t i = 0; i < count; i++)
        tcvm__buf_printf(b, "%s%s", i ? " " : "", tcvm_valtype_name(types[i]));
    tcvm__buf_printf(b, ")");
}

static void limits_text(tcvm_buf_t *b, const tcvm_limits_t *l)
{
    if (l->has_max)
        tcvm__buf_printf(b, "%u..%u", l->min, l->max);
    else
        tcvm__buf_printf(b, "%u..", l->min);
}

/* Appends a readable extern type: "func (i32) -> (i32)", "memory 1..2", ... */
static void externtype_text(tcvm_buf_t *b, const tcvm_externtype_t *t)
{
    tcvm__buf_printf(b, "%s ", tcvm_externkind_name(t->kind));
    switch (t->kind) {
    case TCVM_EXTERN_FUNC:
        types_text(b, t->of.func.params, t->of.func.param_count);
        tcvm__buf_printf(b, " -> ");
        types_text(b, t->of.func.results, t->of.func.result_count);
        break;
    case TCVM_EXTERN_TABLE:
        tcvm__buf_printf(b, "%s ", tcvm_valtype_name(t->of.table.elem));
        limits_text(b, &t->of.table.limits);
        break;
    case TCVM_EXTERN_MEMORY:
        limits_text(b, &t->of.memory.limits);
        tcvm__buf_printf(b, " pages");
        break;
    case TCVM_EXTERN_GLOBAL:
        tcvm__buf_printf(b, "%s%s", t->of.global.is_mutable ? "mut " : "",
                         tcvm_valtype_name(t->of.global.type));
        break;
    }
}

/* Appends a name from the module, with control and non-ASCII bytes escaped. */
static void name_text(tcvm_buf_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            tcvm__buf_printf(b, "\\%02x", c);
        else
            tcvm__buf_append(b, &c, 1);
    }
}

/* Refuses a module with imports, naming each. */
static bool check_no_imports(const char *path, const tcvm_module_t *module)
{
    size_t n = tcvm_module_import_count(module);
    if (n == 0) return true;
    tcvm_buf_t b = {0};
    tcvm__buf_printf(&b,
                     "%s imports %zu item%s and `2cvm wasm run` provides none (no WASI, no "
                     "host functions):",
                     path, n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        tcvm_import_desc_t d;
        if (tcvm_module_import(module, i, &d) != TCVM_OK) continue;
        tcvm__buf_printf(&b, "\n  ");
        name_text(&b, d.module, d.module_size);
        tcvm__buf_printf(&b, ".");
        name_text(&b, d.name, d.name_size);
        tcvm__buf_printf(&b, ": ");
        externtype_text(&b, &d.type);
    }
    tcvm__buf_append(&b, "", 1);
    cli_errorf("%s", b.data ? (const char *)b.data : "module has imports");
    tcvm__buf_free(&b);
    return false;
}

/* Lists the exported functions (for "nothing to run" and "no such export"). */
static void list_func_exports(const tcvm_module_t *module)
{
    size_t n = tcvm_module_export_count(module);
    tcvm_buf_t b = {0};
    size_t funcs = 0;
    for (size_t i = 0; i < n; i++) {
        tcvm_export_desc_t d;
        if (tcvm_module_export(module, i, &d) != TCVM_OK || d.type.kind != TCVM_EXTERN_FUNC)
            continue;
        tcvm__buf_printf(&b, "\n  ");
        name_text(&b, d.name, d.name_size);
        tcvm__buf_printf(&b, ": ");
        externtype_text(&b, &d.type);
        funcs++;
    }
    tcvm__buf_append(&b, "", 1);
    if (funcs == 0)
        fprintf(stderr, "the module exports no functions\n");
    else
        fprintf(stderr, "exported functions:%s\n", (const char *)b.data);
    tcvm__buf_free(&b);
}

/* True when the (already validated) module has a start section. */
static bool has_start_section(const uint8_t *bytes, size_t size)
{
    tcvm_cursor_t c = tcvm__cursor(bytes, size);
    const uint8_t *header;
    if (tcvm__cur_bytes(&c, 8, &header) != TCVM_OK) return false;
    while (!tcvm__cur_eof(&c)) {
        uint8_t id;
        uint32_t len;
        const uint8_t *body;
        if (tcvm__cur_u8(&c, &id) != TCVM_OK || tcvm__cur_u32(&c, &len) != TCVM_OK ||
            tcvm__cur_bytes(&c, len, &body) != TCVM_OK)
            return false;
        if (id == 8) return true;
    }
    return false;
}

static bool find_export_func(const tcvm_module_t *module, const char *name, size_t *index)
{
    size_t n = tcvm_module_export_count(module);
    for (size_t i = 0; i < n; i++) {
        tcvm_export_desc_t d;
        if (tcvm_module_export(module, i, &d) == TCVM_OK && d.name_size == strlen(name) &&
            memcmp(d.name, name, d.name_size) == 0) {
            *index = i;
            return d.type.kind == TCVM_EXTERN_FUNC;
        }
    }
    return false;
}

static int cmd_run(int argc, char **argv)
{
    const char *path = NULL, *invoke = NULL;
    uint64_t fuel = 0, pages = 0;
    bool has_fuel = false;
    int tier = TCVM_TIER_INTERP;
    int first_arg = argc; /* index of the first ARG */
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--") == 0) {
            first_arg = i + 1;
            break;
        } else if (strcmp(argv[i], "--help") == 0) {
            wasm_usage(stdout);
            return CLI_OK;
        } else if ((v = cli_option(argc, argv, &i, "--invoke", &missing)) != NULL) {
            invoke = v;
        } else if ((v = cli_option(argc, argv, &i, "--fuel", &missing)) != NULL) {
            if (!cli_parse_u64(v, &fuel)) {
                cli_errorf("--fuel needs a number of instructions, not '%s'", v);
                return CLI_USAGE;
            }
            has_fuel = true;
        } else if ((v = cli_option(argc, argv, &i, "--tier", &missing)) != NULL) {
            if (!cli_parse_tier(v, &tier))
                return CLI_USAGE;
        } else if ((v = cli_option(argc, argv, &i, "--max-memory", &missing)) != NULL) {
            if (!cli_parse_u64(v, &pages) || pages == 0 || pages > TCVM_WASM_MAX_PAGES) {
                cli_errorf("--max-memory needs a number of 64 KiB pages (1..%u), not '%s'",
                           TCVM_WASM_MAX_PAGES, v);
                return CLI_USAGE;
            }
        } else if (missing) {
            return CLI_USAGE;
        } else if (strncmp(argv[i], "--", 2) == 0) {
            cli_errorf("unknown option '%s'", argv[i]);
            wasm_usage(stderr);
            return CLI_USAGE;
        } else if (path == NULL) {
            path = argv[i];
        } else {
            first_arg = i;
            break;
        }
    }
    if (path == NULL && first_arg < argc) path = argv[first_arg++];
    if (path == NULL) {
        wasm_usage(stderr);
        return CLI_USAGE;
    }
    size_t nargs = (size_t)(argc - first_arg);

    int rc = CLI_FAIL;
    uint8_t *bytes = NULL;
    size_t size = 0;
    tcvm_engine_t *engine = NULL;
    tcvm_module_t *module = NULL;
    tcvm_store_t *store = NULL;
    tcvm_val_t *args = NULL, *results = NULL;
    tcvm_error_t err = {0};
    tcvm_status_t st;

    if (read_module(path, &bytes, &size) != TCVM_OK) goto out;
    if (has_fuel && tier == TCVM_TIER_AOT) {
        cli_errorf("--fuel needs the interpreter (--tier interp)");
        goto out;
    }
    tcvm_engine_config_t config = {.fuel = has_fuel, .tier = (tcvm_tier_t)tier};
    if ((st = tcvm_engine_new(&config, &engine)) != TCVM_OK) {
        cli_errorf("cannot create the engine: %s", tcvm_status_message(st));
        goto out;
    }
    if ((st = tcvm_module_new(engine, bytes, size, &module, &err)) != TCVM_OK) {
        cli_errorf("%s: %s: %s", path, tcvm_status_name(st),
                   err.message[0] ? err.message : tcvm_status_message(st));
        goto out;
    }
    if (!check_no_imports(path, module)) goto out;

    const char *target = invoke;
    size_t export_index = 0;
    if (invoke != NULL) {
        if (!find_export_func(module, invoke, &export_index)) {
            cli_errorf("%s has no exported function named '%s'", path, invoke);
            list_func_exports(module);
            goto out;
        }
    } else if (find_export_func(module, "_start", &export_index)) {
        target = "_start";
    } else if (!has_start_section(bytes, size)) {
        cli_errorf("nothing to run: %s has no start function and no _start export; choose a "
                   "function with --invoke NAME",
                   path);
        list_func_exports(module);
        rc = CLI_USAGE;
        goto out;
    }
    if (target == NULL && nargs > 0) {
        cli_errorf("arguments given but no function to call (use --invoke NAME)");
        rc = CLI_USAGE;
        goto out;
    }

    tcvm_functype_t ft = {0};
    if (target != NULL) {
        tcvm_export_desc_t d;
        if (tcvm_module_export(module, export_index, &d) != TCVM_OK) goto out;
        ft = d.type.of.func;
        if (nargs != ft.param_count) {
            tcvm_buf_t b = {0};
            types_text(&b, ft.params, ft.param_count);
            tcvm__buf_append(&b, "", 1);
            cli_errorf("%s takes %u argument%s %s, but %zu %s given", target, ft.param_count,
                       ft.param_count == 1 ? "" : "s", b.data ? (const char *)b.data : "", nargs,
                       nargs == 1 ? "was" : "were");
            tcvm__buf_free(&b);
            rc = CLI_USAGE;
            goto out;
        }
        args = tcvm__calloc(nargs ? nargs : 1, sizeof *args);
        results = tcvm__calloc(ft.result_count ? ft.result_count : 1, sizeof *results);
        if (args == NULL || results == NULL) {
            cli_errorf("out of memory");
            goto out;
        }
        for (size_t i = 0; i < nargs; i++) {
            const char *text = argv[first_arg + (int)i];
            st = tcvm_val_parse_as(ft.params[i], text, strlen(text), &args[i], &err);
            if (st != TCVM_OK) {
                cli_errorf("argument %zu of %s: %s", i + 1, target, err.message);
                rc = CLI_USAGE;
                goto out;
            }
        }
    }

    tcvm_store_limits_t limits = {.max_memory_pages = (uint32_t)pages};
    if ((st = tcvm_store_new(engine, &limits, &store)) != TCVM_OK) {
        cli_errorf("cannot create the store: %s", tcvm_status_message(st));
        goto out;
    }
    if (has_fuel && (st = tcvm_store_set_fuel(store, fuel)) != TCVM_OK) {
        cli_errorf("cannot set fuel: %s", tcvm_status_message(st));
        goto out;
    }
    tcvm_instance_t *instance;
    if ((st = tcvm_instance_new(store, module, NULL, 0, &instance, &err)) != TCVM_OK) {
        cli_errorf("%s: instantiation failed: %s: %s", path, tcvm_status_name(st),
                   err.message[0] ? err.message : tcvm_status_message(st));
        goto out;
    }
    if (target == NULL) {
        rc = CLI_OK; /* the start function ran during instantiation */
        goto out;
    }
    tcvm_func_t *func = tcvm_instance_func(instance, target);
    if (func == NULL) {
        cli_errorf("%s: export '%s' not found after instantiation", path, target);
        goto out;
    }
    st = tcvm_func_call(store, func, args, nargs, results, ft.result_count);
    if (st != TCVM_OK) {
        const tcvm_error_t *e = tcvm_store_error(store);
        cli_errorf("%s: %s: %s", target, tcvm_status_name(st),
                   e && e->message[0] ? e->message : tcvm_status_message(st));
        goto out;
    }
    for (uint32_t i = 0; i < ft.result_count; i++) {
        char text[TCVM_VAL_TEXT_MAX];
        tcvm_val_format(&results[i], text, sizeof text);
        printf("%s\n", text);
    }
    rc = CLI_OK;
out:
    tcvm__free(args);
    tcvm__free(results);
    tcvm_store_free(store);
    tcvm_module_free(module);
    tcvm_engine_free(engine);
    tcvm__free(bytes);
    return rc;
}

int cli_cmd_wasm(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        wasm_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "validate") == 0) return cmd_validate(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 1, argv + 1);
    cli_errorf("unknown wasm command '%s'", argv[1]);
    wasm_usage(stderr);
    return CLI_USAGE;
}
