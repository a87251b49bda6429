/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm transcript verify FILE --key ed25519:HEX [--show]`: checks a transcript fetched from a
 * runtime against the runtime's public key.
 */
#include "cli/cli.h"

#include "tcvm/transcript.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void transcript_usage(FILE *out)
{
    fprintf(out,
            "usage: 2cvm transcript verify FILE --key ed25519:HEX [--show]\n\n"
            "Recomputes the hash chain of the transcript in FILE and checks its head signature\n"
            "with the runtime's public key (the key bound into the runtime's attestation).\n"
            "A removed, reordered, inserted or altered record is reported with its position.\n"
            "--show prints each verified record.\n");
}

int cli_cmd_transcript(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        transcript_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "verify") != 0) {
        cli_errorf("transcript: unknown command '%s'", argv[1]);
        transcript_usage(stderr);
        return CLI_USAGE;
    }
    const char *path = NULL, *key_text = NULL;
    bool show = false;
    for (int i = 2; i < argc; i++) {
        bool missing = false;
        const char *v;
        if ((v = cli_option(argc, argv, &i, "--key", &missing)) != NULL)
            key_text = v;
        else if (missing)
            return CLI_USAGE;
        else if (strcmp(argv[i], "--show") == 0)
            show = true;
        else if (argv[i][0] == '-' || path != NULL) {
            cli_errorf("transcript verify: unexpected argument '%s'", argv[i]);
            return CLI_USAGE;
        } else
            path = argv[i];
    }
    if (path == NULL || key_text == NULL) {
        cli_errorf("transcript verify: needs FILE and --key ed25519:HEX (the runtime's key)");
        return CLI_USAGE;
    }
    uint8_t key[TCVM_SIGN_PUBLIC_SIZE];
    tcvm_error_t err = {0};
    if (tcvm_sign_public_parse(key_text, strlen(key_text), key, &err) != TCVM_OK) {
        cli_errorf("transcript verify: --key: %s", err.message);
        return CLI_USAGE;
    }
    tcvm_transcript_t *t;
    if (tcvm_transcript_load_file(path, key, &t, &err) != TCVM_OK) {
        cli_errorf("transcript verify: %s", err.message);
        return CLI_FAIL;
    }
    uint64_t head_time;
    bool final;
    tcvm_transcript_head(t, &head_time, &final);
    char when[32];
    tcvm_transcript_format_time(head_time, when);
    if (show) {
        for (size_t i = 0; i < tcvm_transcript_count(t); i++) {
            const char *line;
            size_t n;
            tcvm_transcript_record(t, i, &line, &n);
            printf("%.*s\n", (int)n, line);
        }
    }
    printf("%s: ok: %zu records, chain intact, head signed by the runtime key at %s%s\n", path,
           tcvm_transcript_count(t), when,
           final ? "; final (the runtime closed it)"
                 : "; not final (the job may still be running)");
    tcvm_transcript_destroy(t);
    return CLI_OK;
}
