/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm component validate|inspect|run`: argument handling around the component API. `inspect`
 * prints the component's imports and exports as WIT; `run` instantiates the component with no
 * host imports (an import makes it fail, naming the import), calls the export given by
 * --invoke 'NAME(ARGS)' with the arguments read as WAVE, and prints the result as WAVE.
 */
#include "cli/cli.h"

#include "base/base.h"
#include "tcvm/component.h"
#include "tcvm/wasm.h"

#include <stdio.h>
#include <string.h>

static void component_usage(FILE *out)
{
    fprintf(
        out,
        "usage: 2cvm component validate COMPONENT.wasm\n"
        "       2cvm component inspect COMPONENT.wasm\n"
        "       2cvm component run COMPONENT.wasm --invoke 'NAME(ARGS)' [--tier interp|aot]\n"
        "                                         [--fuel N] [--max-memory PAGES]\n"
        "\n"
        "validate  decodes and validates the component (and compiles nothing); prints \"valid\"\n"
        "          or what is wrong, the section and the byte offset\n"
        "inspect   prints the component's imports and exports with their WIT types\n"
        "run       instantiates the component and calls the export NAME (\"f\", or\n"
        "          \"ns:pkg/iface@1.0.0#f\" inside an exported interface) with ARGS written in\n"
        "          WAVE (e.g. 'add(1, 2)', 'greet(\"world\")', 'f([1, 2], {a: some(3)})');\n"
        "          prints the result in WAVE. No host imports are provided: a component\n"
        "          that imports anything fails, naming the import.\n"
        "\n"
        "  --tier interp|aot   interpreter (default) or ahead-of-time compiled code\n"
        "  --fuel N            trap after N executed instructions (interp)\n"
        "  --max-memory PAGES  cap every memory at PAGES pages of 64 KiB\n"
        "\n"
        "exit status: 0 ok, 1 invalid component, unsatisfied import or trap, 2 usage error\n");
}

static int read_bytes(const char *path, uint8_t **data, size_t *size)
{
    tcvm_error_t err = {0};
    if (tcvm__read_file(path, TCVM_MAX_FILE_SIZE, data, size, &err) != TCVM_OK) {
        cli_errorf("%s", err.message);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int cmd_validate(int argc, char **argv)
{
    if (argc != 2) {
        component_usage(stderr);
        return CLI_USAGE;
    }
    uint8_t *bytes;
    size_t size;
    if (read_bytes(argv[1], &bytes, &size) != CLI_OK) return CLI_FAIL;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_component_validate(bytes, size, &err, NULL);
    tcvm__free(bytes);
    if (st != TCVM_OK) {
        cli_errorf("%s: %s", argv[1], err.message);
        return CLI_FAIL;
    }
    printf("valid\n");
    return CLI_OK;
}

static int load(const char *path, tcvm_engine_t *engine, tcvm_component_t **out)
{
    uint8_t *bytes;
    size_t size;
    if (read_bytes(path, &bytes, &size) != CLI_OK) return CLI_FAIL;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_component_new(engine, bytes, size, out, &err, NULL);
    tcvm__free(bytes);
    if (st != TCVM_OK) {
        cli_errorf("%s: %s", path, err.message);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int cmd_inspect(int argc, char **argv)
{
    if (argc != 2) {
        component_usage(stderr);
        return CLI_USAGE;
    }
    tcvm_engine_t *engine;
    if (tcvm_engine_new(NULL, &engine) != TCVM_OK) {
        cli_errorf("cannot make an engine");
        return CLI_FAIL;
    }
    tcvm_component_t *c;
    int rc = load(argv[1], engine, &c);
    if (rc == CLI_OK) {
        char *wit = tcvm_component_to_wit(c);
        if (wit)
            fputs(wit, stdout);
        else
            rc = CLI_FAIL;
        tcvm_ctext_free(wit);
        tcvm_component_free(c);
    }
    tcvm_engine_free(engine);
    return rc;
}

static int invoke(tcvm_cinstance_t *inst, const char *spec)
{
    const char *open = strchr(spec, '(');
    size_t len = strlen(spec);
    if (!open || len < 2 || spec[len - 1] != ')') {
        cli_errorf("--invoke needs NAME(ARGS), e.g. 'add(1, 2)' or 'f()', not '%s'", spec);
        return CLI_USAGE;
    }
    char *name = tcvm__strndup(spec, (size_t)(open - spec));
    if (!name) return CLI_FAIL;
    tcvm_cfunc_t *f = tcvm_cinstance_func(inst, name);
    if (!f) {
        cli_errorf("the component exports no function \"%s\"", name);
        tcvm__free(name);
        return CLI_FAIL;
    }
    const tcvm_cfunctype_t *ft = tcvm_cfunc_type(f);
    size_t n = tcvm_cfunctype_param_count(ft);
    const tcvm_ctype_t **types = tcvm__calloc(n ? n : 1, sizeof *types);
    tcvm_cval_t *args = tcvm__calloc(n ? n : 1, sizeof *args);
    int rc = CLI_FAIL;
    if (!types || !args) goto out;
    for (size_t i = 0; i < n; i++)
        types[i] = tcvm_cfunctype_param(ft, i);
    tcvm_error_t err = {0};
    const char *a = open + 1;
    tcvm_status_t st = tcvm_wave_parse_args(types, n, a, (size_t)(spec + len - 1 - a), args, &err);
    if (st != TCVM_OK) {
        char *sig = tcvm_cfunctype_to_wit(ft);
        cli_errorf("arguments of %s: %s (the function is %s)", name, err.message, sig ? sig : "?");
        tcvm_ctext_free(sig);
        rc = CLI_USAGE;
        goto out;
    }
    tcvm_cval_t result = {0};
    const tcvm_ctype_t *rt = tcvm_cfunctype_result(ft);
    st = tcvm_cfunc_call(inst, f, args, n, rt ? &result : NULL);
    tcvm_cval_clear_array(args, n);
    if (st != TCVM_OK) {
        cli_errorf("%s: %s", name, tcvm_cinstance_error(inst)->message);
        goto out;
    }
    if (rt) {
        char *text = tcvm_wave_print(rt, &result);
        tcvm_cval_clear(&result);
        if (!text) goto out;
        printf("%s\n", text);
        tcvm_ctext_free(text);
    }
    rc = CLI_OK;
out:
    tcvm__free(types);
    tcvm__free(args);
    tcvm__free(name);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    const char *path = NULL, *spec = NULL;
    tcvm_engine_config_t ecfg = {0};
    tcvm_cinstance_config_t icfg = {0};
    for (int i = 1; i < argc; i++) {
        const char *v;
        bool missing = false;
        if ((v = cli_option(argc, argv, &i, "--invoke", &missing)) != NULL) {
            spec = v;
        } else if ((v = cli_option(argc, argv, &i, "--tier", &missing)) != NULL) {
            int tier;
            if (!cli_parse_tier(v, &tier)) return CLI_USAGE;
            ecfg.tier = (tcvm_tier_t)tier;
        } else if ((v = cli_option(argc, argv, &i, "--fuel", &missing)) != NULL) {
            if (!cli_parse_u64(v, &icfg.fuel) || icfg.fuel == 0) {
                cli_errorf("--fuel needs a positive number of instructions, not '%s'", v);
                return CLI_USAGE;
            }
            ecfg.fuel = true;
        } else if ((v = cli_option(argc, argv, &i, "--max-memory", &missing)) != NULL) {
            uint64_t pages;
            if (!cli_parse_u64(v, &pages) || pages == 0 || pages > 65536) {
                cli_errorf("--max-memory needs a number of 64 KiB pages (1..65536), not '%s'", v);
                return CLI_USAGE;
            }
            icfg.limits.max_memory_pages = (uint32_t)pages;
        } else if (missing) {
            return CLI_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_errorf("unknown option '%s'", argv[i]);
            return CLI_USAGE;
        } else if (!path) {
            path = argv[i];
        } else {
            cli_errorf("unexpected argument '%s'", argv[i]);
            return CLI_USAGE;
        }
    }
    if (!path || !spec) {
        component_usage(stderr);
        return CLI_USAGE;
    }
    if (ecfg.fuel && ecfg.tier == TCVM_TIER_AOT) {
        cli_errorf("--fuel works on the interpreter only");
        return CLI_USAGE;
    }
    tcvm_engine_t *engine;
    if (tcvm_engine_new(&ecfg, &engine) != TCVM_OK) {
        cli_errorf("cannot make an engine for this tier");
        return CLI_FAIL;
    }
    tcvm_component_t *c = NULL;
    tcvm_cinstance_t *inst = NULL;
    int rc = load(path, engine, &c);
    if (rc == CLI_OK) {
        tcvm_error_t err = {0};
        if (tcvm_cinstance_new(engine, c, NULL, &icfg, &inst, &err) != TCVM_OK) {
            cli_errorf("%s: %s", path, err.message);
            rc = CLI_FAIL;
        }
    }
    if (rc == CLI_OK) rc = invoke(inst, spec);
    tcvm_cinstance_free(inst);
    tcvm_component_free(c);
    tcvm_engine_free(engine);
    return rc;
}

int cli_cmd_component(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            component_usage(stdout);
            return CLI_OK;
        }
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        component_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "validate") == 0) return cmd_validate(argc - 1, argv + 1);
    if (strcmp(argv[1], "inspect") == 0) return cmd_inspect(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 1, argv + 1);
    cli_errorf("unknown component command '%s'", argv[1]);
    component_usage(stderr);
    return CLI_USAGE;
}
