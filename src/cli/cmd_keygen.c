/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm keygen NAME`: a participant's signing key, age identity and public manifest entry.
 */
#include "cli/cli.h"

#include "tcvm/seal.h"

#include <stdio.h>
#include <string.h>

static void keygen_usage(FILE *out)
{
    fprintf(out, "usage: 2cvm keygen NAME [--dir DIR] [--force]\n\n"
                 "Writes into DIR (default: the current directory):\n"
                 "  NAME.sign.pem   Ed25519 signing key, PEM PKCS#8 (mode 0600, keep it secret)\n"
                 "  NAME.age        age identity, as age-keygen writes it (mode 0600, keep it "
                 "secret)\n"
                 "  NAME.pub.json   the participant entry to paste into a manifest\n"
                 "NAME becomes the participant id. Existing files are kept unless --force.\n");
}

int cli_cmd_keygen(int argc, char **argv)
{
    const char *name = NULL, *dir = ".";
    bool force = false;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            keygen_usage(stdout);
            return CLI_OK;
        } else if ((v = cli_option(argc, argv, &i, "--dir", &missing)) != NULL) {
            dir = v;
        } else if (missing) {
            return CLI_USAGE;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if (argv[i][0] == '-') {
            cli_errorf("keygen: unknown option '%s'", argv[i]);
            keygen_usage(stderr);
            return CLI_USAGE;
        } else if (name == NULL) {
            name = argv[i];
        } else {
            cli_errorf("keygen: one NAME only");
            return CLI_USAGE;
        }
    }
    if (name == NULL) {
        keygen_usage(stderr);
        return CLI_USAGE;
    }
    tcvm_keygen_paths_t paths;
    tcvm_error_t err = {0};
    if (tcvm_keygen_write(dir, name, force, &paths, &err) != TCVM_OK) {
        cli_errorf("keygen: %s", err.message);
        return CLI_FAIL;
    }
    printf("%s  signing key (secret)\n%s  age identity (secret)\n%s  participant entry:\n",
           paths.sign_key, paths.age_identity, paths.public_file);
    FILE *f = fopen(paths.public_file, "r");
    if (f != NULL) {
        char line[256];
        while (fgets(line, sizeof line, f) != NULL)
            fputs(line, stdout);
        fclose(f);
    }
    return CLI_OK;
}
