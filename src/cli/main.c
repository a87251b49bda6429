/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm` entry point: finds the command group named by the first argument and hands it the rest.
 */
#include "cli/cli.h"
#include "tcvm/wasm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("2cvm %s\n", tcvm_version());
    return CLI_OK;
}

static const struct {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
} commands[] = {
    {"version", cmd_version, "print the version of 2cvm"},
    {"wasm", cli_cmd_wasm, "validate or run a core WebAssembly module"},
    {"spec", cli_cmd_spec, "run WebAssembly spec-test scripts (.wast) against the engine"},
    {"keygen", cli_cmd_keygen, "make a participant's signing key and age identity"},
    {"manifest", cli_cmd_manifest, "check, show, digest, sign and verify a manifest"},
    {"seal", cli_cmd_seal, "encrypt to age recipients"},
    {"open", cli_cmd_open, "decrypt an age file with an identity"},
    {"transcript", cli_cmd_transcript, "verify a runtime transcript"},
    {"attest", cli_cmd_attest, "SEV-SNP evidence: get, show and verify it"},
    {"serve", cli_cmd_serve, "run an agreement: the runtime inside the confidential VM"},
    {"demo", cli_cmd_demo, "the multi-party demo: two hospitals and a vendor, over loopback"},
    {"client", cli_cmd_client, "a participant's client: verify, upload, status, fetch, transcript"},
    {"component", cli_cmd_component, "validate, inspect or run a WebAssembly component"},
};

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    fputs("2cvm: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

const char *cli_option(int argc, char **argv, int *i, const char *name, bool *missing)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        cli_errorf("option %s needs a value", name);
        *missing = true;
        return NULL;
    }
    *i += 1;
    return argv[*i];
}

bool cli_parse_tier(const char *s, int *out_tier)
{
    if (strcmp(s, "interp") == 0) {
        *out_tier = TCVM_TIER_INTERP;
        return true;
    }
    if (strcmp(s, "aot") == 0) {
        *out_tier = TCVM_TIER_AOT;
        return true;
    }
    cli_errorf("--tier is 'interp' or 'aot', not '%s'", s);
    return false;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: 2cvm COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n2cvm COMMAND --help shows the command's own usage.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("2cvm %s\n", tcvm_version());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    }
    cli_errorf("unknown command '%s'", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
