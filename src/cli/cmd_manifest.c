/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm manifest check|digest|show|sign|verify|merge`: the Commitment Manifest and its consent
 * bundles from the participant's side. Every subcommand reads a bare manifest or a bundle.
 */
#include "cli/cli.h"

#include "tcvm/manifest.h"

#include <stdio.h>
#include <string.h>

static void manifest_usage(FILE *out)
{
    fprintf(out,
            "usage: 2cvm manifest COMMAND ...\n\n"
            "  check FILE                      parse and check a manifest (or bundle)\n"
            "  digest FILE                     print the SHA-256 digest of the manifest bytes\n"
            "  show FILE                       print a readable summary (and consent status)\n"
            "  sign FILE --key KEY.sign.pem [-o OUT]\n"
            "                                  add KEY's consent; FILE is a manifest (then -o is "
            "required)\n"
            "                                  or a bundle (updated in place unless -o)\n"
            "  verify BUNDLE [--manifest FILE] say who has signed and whether the bundle is "
            "complete\n"
            "                                  (exit 0 only when complete)\n"
            "  merge -o OUT BUNDLE...          combine signatures made apart on one manifest\n");
}

static void hex(const uint8_t *d, size_t n, char *out, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 < size; i++) {
        out[o++] = digits[d[i] >> 4];
        out[o++] = digits[d[i] & 15];
    }
    out[o] = '\0';
}

static tcvm_bundle_t *load(const char *path)
{
    tcvm_bundle_t *b;
    tcvm_error_t err = {0};
    if (tcvm_bundle_load(path, &b, &err) != TCVM_OK) {
        cli_errorf("%s", err.message);
        return NULL;
    }
    return b;
}

static int cmd_check(const char *path)
{
    tcvm_bundle_t *b = load(path);
    if (b == NULL) return CLI_FAIL;
    const tcvm_manifest_t *m = tcvm_bundle_manifest(b);
    char d[65];
    hex(m->digest, 32, d, sizeof d);
    printf("%s: ok: manifest \"%s\" (version %u): %zu participants, %zu components, %zu inputs, "
           "%zu channels, %zu outputs\n",
           path, m->name, m->version, m->participant_count, m->component_count, m->input_count,
           m->channel_count, m->output_count);
    if (tcvm_bundle_was_bundle(b))
        printf("consent: %zu of %zu participants have signed\n", tcvm_bundle_signed_count(b),
               m->participant_count);
    printf("digest: %s\n", d);
    tcvm_bundle_destroy(b);
    return CLI_OK;
}

static int cmd_digest(const char *path)
{
    tcvm_bundle_t *b = load(path);
    if (b == NULL) return CLI_FAIL;
    char d[65];
    hex(tcvm_bundle_manifest(b)->digest, 32, d, sizeof d);
    printf("%s\n", d);
    tcvm_bundle_destroy(b);
    return CLI_OK;
}

static void print_ids(const tcvm_manifest_t *m, const size_t *idx, size_t n, bool participants)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "",
               participants ? m->participants[idx[i]].id : m->components[idx[i]].id);
}

static void show(const tcvm_bundle_t *b)
{
    const tcvm_manifest_t *m = tcvm_bundle_manifest(b);
    const tcvm_manifest_runtime_t *rt = &m->runtime;
    char d[129], size[32], t[32];
    hex(m->digest, 32, d, sizeof d);
    printf("manifest %s (version %u)\n", m->name, m->version);
    if (m->description != NULL) printf("  %s\n", m->description);
    printf("digest   %s\n\nparticipants\n", d);
    for (size_t i = 0; i < m->participant_count; i++) {
        const tcvm_manifest_participant_t *p = &m->participants[i];
        char key[TCVM_SIGN_PUBLIC_TEXT_SIZE], rec[TCVM_AGE_RECIPIENT_TEXT_SIZE];
        tcvm_sign_public_format(p->signing_key, key);
        tcvm_age_recipient_format(&p->recipient, rec);
        printf("  %s%s%s%s\n    signing key  %s\n    recipient    %s\n", p->id, p->name ? " (" : "",
               p->name ? p->name : "", p->name ? ")" : "", key, rec);
    }
    printf("\nruntime\n  tee %s; debug %s; SMT %s; migration agent %s",
           rt->tee == TCVM_TEE_SEV_SNP ? "sev-snp" : "sim (simulated, not a real TEE)",
           rt->allow_debug ? "ALLOWED" : "not allowed", rt->allow_smt ? "allowed" : "not allowed",
           rt->allow_migration_agent ? "allowed" : "not allowed");
    if (rt->has_min_abi) printf("; minimum ABI %u.%u", rt->min_abi_major, rt->min_abi_minor);
    printf("\n  minimum TCB: bootloader %u, tee %u, snp %u, microcode %u", rt->min_tcb.bootloader,
           rt->min_tcb.tee, rt->min_tcb.snp, rt->min_tcb.microcode);
    if (rt->min_tcb.has_fmc) printf(", fmc %u", rt->min_tcb.fmc);
    printf("\n");
    for (size_t i = 0; i < rt->measurement_count; i++) {
        hex(rt->measurements[i], TCVM_SNP_MEASUREMENT_SIZE, d, sizeof d);
        printf("  measurement %s\n", d);
    }
    if (rt->chip_id_count == 0) printf("  any chip\n");
    for (size_t i = 0; i < rt->chip_id_count; i++) {
        hex(rt->chip_ids[i], TCVM_SNP_CHIP_ID_SIZE, d, sizeof d);
        printf("  chip %s\n", d);
    }
    printf("\ncomponents\n");
    for (size_t i = 0; i < m->component_count; i++) {
        const tcvm_manifest_component_t *c = &m->components[i];
        hex(c->digest, 32, d, sizeof d);
        tcvm_manifest_format_size(c->memory_limit, size);
        printf("  %s  owner %s  memory %s", c->id, m->participants[c->owner].id, size);
        if (c->fuel_limit) printf("  fuel %llu", (unsigned long long)c->fuel_limit);
        if (c->time_limit_ms) {
            tcvm_manifest_format_duration(c->time_limit_ms, t);
            printf("  time %s", t);
        }
        printf("\n    sha256:%s\n", d);
        if (c->description) printf("    %s\n", c->description);
    }
    printf("\ninputs\n");
    if (m->input_count == 0) printf("  (none)\n");
    for (size_t i = 0; i < m->input_count; i++) {
        const tcvm_manifest_input_t *in = &m->inputs[i];
        tcvm_manifest_format_size(in->max_size, size);
        printf("  %s  owner %s  max %s  read by ", in->id, m->participants[in->owner].id, size);
        print_ids(m, in->readers, in->reader_count, false);
        printf("\n");
        if (in->has_digest) {
            hex(in->digest, 32, d, sizeof d);
            printf("    must have sha256:%s\n", d);
        }
        if (in->description) printf("    %s\n", in->description);
    }
    printf("\nchannels\n");
    if (m->channel_count == 0) printf("  (none)\n");
    for (size_t i = 0; i < m->channel_count; i++) {
        const tcvm_manifest_channel_t *c = &m->channels[i];
        printf("  %s -> %s  %s\n", m->components[c->from].id, m->components[c->to].id,
               c->interface);
    }
    printf("\noutputs\n");
    if (m->output_count == 0) printf("  (none)\n");
    for (size_t i = 0; i < m->output_count; i++) {
        const tcvm_manifest_output_t *o = &m->outputs[i];
        tcvm_manifest_format_size(o->max_size, size);
        printf("  %s  written by %s  max %s  to ", o->id, m->components[o->writer].id, size);
        print_ids(m, o->recipients, o->recipient_count, true);
        printf("\n");
        if (o->description) printf("    %s\n", o->description);
    }
    printf("\nentry\n  %s, export %s\n", m->components[m->entry.component].id,
           m->entry.export_name);
}

static void consent_status(const tcvm_bundle_t *b)
{
    const tcvm_manifest_t *m = tcvm_bundle_manifest(b);
    for (size_t i = 0; i < m->participant_count; i++)
        printf("  %-24s %s\n", m->participants[i].id,
               tcvm_bundle_has_signed(b, i) ? "signed" : "NOT signed");
    size_t n = tcvm_bundle_signed_count(b);
    if (n == m->participant_count)
        printf("complete: all %zu participants have signed\n", n);
    else
        printf("incomplete: %zu of %zu participants have signed\n", n, m->participant_count);
}

static int cmd_show(const char *path)
{
    tcvm_bundle_t *b = load(path);
    if (b == NULL) return CLI_FAIL;
    show(b);
    if (tcvm_bundle_was_bundle(b)) {
        printf("\nconsent\n");
        consent_status(b);
    }
    tcvm_bundle_destroy(b);
    return CLI_OK;
}

/* Writes b to path (whole or not at all). */
static int save(const tcvm_bundle_t *b, const char *path)
{
    tcvm_error_t err = {0};
    if (tcvm_bundle_save(b, path, &err) != TCVM_OK) {
        cli_errorf("%s", err.message);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int cmd_sign(int argc, char **argv)
{
    const char *in = NULL, *key_path = NULL, *out = NULL;
    for (int i = 2; i < argc; i++) {
        bool missing = false;
        const char *v;
        if ((v = cli_option(argc, argv, &i, "--key", &missing)) != NULL)
            key_path = v;
        else if (!missing && (v = cli_option(argc, argv, &i, "-o", &missing)) != NULL)
            out = v;
        else if (missing)
            return CLI_USAGE;
        else if (argv[i][0] == '-' || in != NULL) {
            cli_errorf("manifest sign: unexpected argument '%s'", argv[i]);
            return CLI_USAGE;
        } else
            in = argv[i];
    }
    if (in == NULL || key_path == NULL) {
        cli_errorf("manifest sign: needs FILE and --key KEY.sign.pem");
        return CLI_USAGE;
    }
    tcvm_bundle_t *b = load(in);
    if (b == NULL) return CLI_FAIL;
    if (out == NULL && !tcvm_bundle_was_bundle(b)) {
        cli_errorf("manifest sign: %s is a manifest; give -o BUNDLE for the signed bundle "
                   "(the manifest itself is never changed)",
                   in);
        tcvm_bundle_destroy(b);
        return CLI_USAGE;
    }
    tcvm_sign_key_t *key;
    tcvm_error_t err = {0};
    if (tcvm_sign_key_load(key_path, &key, &err) != TCVM_OK) {
        cli_errorf("%s", err.message);
        tcvm_bundle_destroy(b);
        return CLI_FAIL;
    }
    size_t who;
    tcvm_status_t st = tcvm_bundle_sign(b, key, &who);
    tcvm_sign_key_destroy(key);
    if (st != TCVM_OK) {
        cli_errorf("manifest sign: %s", tcvm_bundle_error(b)->message);
        tcvm_bundle_destroy(b);
        return CLI_FAIL;
    }
    const tcvm_manifest_t *m = tcvm_bundle_manifest(b);
    int rc = save(b, out ? out : in);
    if (rc == CLI_OK)
        printf("%s signed; %zu of %zu participants have signed (%s)\n", m->participants[who].id,
               tcvm_bundle_signed_count(b), m->participant_count, out ? out : in);
    tcvm_bundle_destroy(b);
    return rc;
}

static int cmd_verify(int argc, char **argv)
{
    const char *in = NULL, *manifest = NULL;
    for (int i = 2; i < argc; i++) {
        bool missing = false;
        const char *v;
        if ((v = cli_option(argc, argv, &i, "--manifest", &missing)) != NULL)
            manifest = v;
        else if (missing)
            return CLI_USAGE;
        else if (argv[i][0] == '-' || in != NULL) {
            cli_errorf("manifest verify: unexpected argument '%s'", argv[i]);
            return CLI_USAGE;
        } else
            in = argv[i];
    }
    if (in == NULL) {
        cli_errorf("manifest verify: needs a BUNDLE");
        return CLI_USAGE;
    }
    tcvm_bundle_t *b = load(in);
    if (b == NULL) return CLI_FAIL;
    const tcvm_manifest_t *m = tcvm_bundle_manifest(b);
    int rc = CLI_OK;
    if (manifest != NULL) {
        tcvm_manifest_t *own;
        tcvm_error_t err = {0};
        if (tcvm_manifest_load(manifest, &own, &err) != TCVM_OK) {
            cli_errorf("%s", err.message);
            tcvm_bundle_destroy(b);
            return CLI_FAIL;
        }
        bool same = own->size == m->size && memcmp(own->digest, m->digest, 32) == 0;
        tcvm_manifest_destroy(own);
        if (!same) {
            cli_errorf("%s is about other manifest bytes than %s (the digests differ)", in,
                       manifest);
            tcvm_bundle_destroy(b);
            return CLI_FAIL;
        }
    }
    char d[65];
    hex(m->digest, 32, d, sizeof d);
    printf("manifest %s, digest %s\n", m->name, d);
    consent_status(b);
    if (!tcvm_bundle_complete(b)) rc = CLI_FAIL;
    tcvm_bundle_destroy(b);
    return rc;
}

static int cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    tcvm_bundle_t *acc = NULL;
    int rc = CLI_OK, inputs = 0;
    for (int i = 2; i < argc && rc == CLI_OK; i++) {
        bool missing = false;
        const char *v;
        if ((v = cli_option(argc, argv, &i, "-o", &missing)) != NULL) {
            out = v;
            continue;
        }
        if (missing || argv[i][0] == '-') {
            if (!missing) cli_errorf("manifest merge: unknown option '%s'", argv[i]);
            rc = CLI_USAGE;
            break;
        }
        tcvm_bundle_t *b = load(argv[i]);
        if (b == NULL) {
            rc = CLI_FAIL;
            break;
        }
        inputs++;
        if (acc == NULL) {
            acc = b;
            continue;
        }
        if (tcvm_bundle_merge(acc, b) != TCVM_OK) {
            cli_errorf("%s: %s", argv[i], tcvm_bundle_error(acc)->message);
            rc = CLI_FAIL;
        }
        tcvm_bundle_destroy(b);
    }
    if (rc == CLI_OK && (out == NULL || inputs == 0)) {
        cli_errorf("manifest merge: needs -o OUT and at least one BUNDLE");
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK) rc = save(acc, out);
    if (rc == CLI_OK) {
        printf("%s: ", out);
        consent_status(acc);
    }
    tcvm_bundle_destroy(acc);
    return rc;
}

int cli_cmd_manifest(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        manifest_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "sign") == 0) return cmd_sign(argc, argv);
    if (strcmp(sub, "verify") == 0) return cmd_verify(argc, argv);
    if (strcmp(sub, "merge") == 0) return cmd_merge(argc, argv);
    if (strcmp(sub, "check") == 0 || strcmp(sub, "digest") == 0 || strcmp(sub, "show") == 0) {
        if (argc != 3 || argv[2][0] == '-') {
            cli_errorf("manifest %s: needs exactly one FILE", sub);
            return CLI_USAGE;
        }
        if (strcmp(sub, "check") == 0) return cmd_check(argv[2]);
        if (strcmp(sub, "digest") == 0) return cmd_digest(argv[2]);
        return cmd_show(argv[2]);
    }
    cli_errorf("manifest: unknown command '%s'", sub);
    manifest_usage(stderr);
    return CLI_USAGE;
}
