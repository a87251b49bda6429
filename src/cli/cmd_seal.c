/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm seal` and `2cvm open`: age v1 encryption to X25519 recipients and decryption with
 * identities, interoperable with the stock `age` tool.
 */
#include "cli/cli.h"

#include "tcvm/seal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void seal_usage(FILE *out)
{
    fprintf(out, "usage: 2cvm seal --to RECIPIENT [--to RECIPIENT...] [--to-file FILE] [--armor]\n"
                 "                 [-o OUT] [INPUT]\n\n"
                 "Encrypts INPUT (default: standard input) in the age format to each RECIPIENT\n"
                 "(\"age1...\"; --to-file reads one per line). Writes OUT (default: standard\n"
                 "output); a file appears only once it is complete. --armor writes PEM text.\n");
}

static void open_usage(FILE *out)
{
    fprintf(out,
            "usage: 2cvm open --identity FILE [--identity FILE...] [-o OUT] [INPUT]\n\n"
            "Decrypts an age file (binary or armored) with the identities in each FILE (an age\n"
            "identity file, such as NAME.age from `2cvm keygen`). Nothing is written unless the\n"
            "whole file authenticates: OUT appears only then, and standard output receives\n"
            "the plaintext only then (at most 256 MiB; larger files need -o).\n");
}

static bool add_recipients(tcvm_age_recipient_t **list, size_t *count,
                           const tcvm_age_recipient_t *more, size_t n)
{
    tcvm_age_recipient_t *grown = realloc(*list, (*count + n) * sizeof *grown);
    if (grown == NULL) return false;
    memcpy(grown + *count, more, n * sizeof *more);
    *list = grown;
    *count += n;
    return true;
}

int cli_cmd_seal(int argc, char **argv)
{
    tcvm_age_recipient_t *recipients = NULL;
    size_t count = 0;
    const char *in = NULL, *out = NULL;
    unsigned flags = 0;
    int rc = CLI_OK;
    tcvm_error_t err = {0};
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            seal_usage(stdout);
            free(recipients);
            return CLI_OK;
        } else if ((v = cli_option(argc, argv, &i, "--to", &missing)) != NULL) {
            tcvm_age_recipient_t r;
            if (tcvm_age_recipient_parse(v, strlen(v), &r, &err) != TCVM_OK) {
                cli_errorf("seal: --to %s: %s", v, err.message);
                rc = CLI_USAGE;
            } else if (!add_recipients(&recipients, &count, &r, 1)) {
                rc = CLI_FAIL;
            }
        } else if (!missing && (v = cli_option(argc, argv, &i, "--to-file", &missing)) != NULL) {
            tcvm_age_recipient_t *rs;
            size_t n;
            if (tcvm_age_recipients_load(v, &rs, &n, &err) != TCVM_OK) {
                cli_errorf("seal: %s", err.message);
                rc = CLI_FAIL;
            } else {
                if (!add_recipients(&recipients, &count, rs, n)) rc = CLI_FAIL;
                tcvm_seal_free(rs);
            }
        } else if (!missing && (v = cli_option(argc, argv, &i, "-o", &missing)) != NULL) {
            out = v;
        } else if (missing) {
            rc = CLI_USAGE;
        } else if (strcmp(argv[i], "--armor") == 0 || strcmp(argv[i], "-a") == 0) {
            flags |= TCVM_SEAL_ARMOR;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_errorf("seal: unknown option '%s'", argv[i]);
            rc = CLI_USAGE;
        } else if (in == NULL) {
            in = argv[i];
        } else {
            cli_errorf("seal: one INPUT only");
            rc = CLI_USAGE;
        }
    }
    if (rc == CLI_OK && count == 0) {
        cli_errorf("seal: at least one --to RECIPIENT is needed");
        seal_usage(stderr);
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK && tcvm_seal_file(recipients, count, flags, in, out, &err) != TCVM_OK) {
        cli_errorf("seal: %s", err.message);
        rc = CLI_FAIL;
    }
    free(recipients);
    return rc;
}

int cli_cmd_open(int argc, char **argv)
{
    tcvm_age_identity_t *ids = NULL;
    size_t count = 0;
    const char *in = NULL, *out = NULL;
    int rc = CLI_OK;
    tcvm_error_t err = {0};
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            open_usage(stdout);
            tcvm_age_identities_free(ids, count);
            return CLI_OK;
        } else if ((v = cli_option(argc, argv, &i, "--identity", &missing)) != NULL ||
                   (!missing && (v = cli_option(argc, argv, &i, "-i", &missing)) != NULL)) {
            tcvm_age_identity_t *more;
            size_t n;
            if (tcvm_age_identities_load(v, &more, &n, &err) != TCVM_OK) {
                cli_errorf("open: %s", err.message);
                rc = CLI_FAIL;
                break;
            }
            tcvm_age_identity_t *all = calloc(count + n, sizeof *all);
            if (all == NULL) {
                tcvm_age_identities_free(more, n);
                rc = CLI_FAIL;
                break;
            }
            if (count > 0) memcpy(all, ids, count * sizeof *all);
            memcpy(all + count, more, n * sizeof *more);
            tcvm_age_identities_free(more, n);
            if (ids != NULL) {
                /* wipe the old copy before letting it go */
                explicit_bzero(ids, count * sizeof *ids);
                free(ids);
            }
            ids = all;
            count += n;
        } else if (!missing && (v = cli_option(argc, argv, &i, "-o", &missing)) != NULL) {
            out = v;
        } else if (missing) {
            rc = CLI_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_errorf("open: unknown option '%s'", argv[i]);
            rc = CLI_USAGE;
        } else if (in == NULL) {
            in = argv[i];
        } else {
            cli_errorf("open: one INPUT only");
            rc = CLI_USAGE;
        }
    }
    if (rc == CLI_OK && count == 0) {
        cli_errorf("open: at least one --identity FILE is needed");
        open_usage(stderr);
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK && tcvm_open_file(ids, count, in, out, &err) != TCVM_OK) {
        cli_errorf("open: %s", err.message);
        rc = CLI_FAIL;
    }
    if (ids != NULL) {
        explicit_bzero(ids, count * sizeof *ids);
        free(ids);
    }
    return rc;
}
