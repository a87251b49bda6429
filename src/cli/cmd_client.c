/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm client`: what a participant runs from outside the VM. Every subcommand first verifies
 * the runtime (evidence for a fresh nonce against the participant's own copy of the manifest)
 * and only then, in the same TLS session with the runtime's key pinned, does its work: upload an
 * asset, show the status, fetch and decrypt outputs, download and verify the transcript.
 * `check-evidence` re-checks saved evidence offline.
 */
#include "cli/cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "crypto/crypto.h"
#include "tcvm/host.h"
#include "tcvm/net.h"
#include "tcvm/transcript.h"

static void client_usage(FILE *out)
{
    fprintf(out,
            "usage: 2cvm client COMMAND --url URL --manifest FILE --key SIGN.pem [options]\n\n"
            "Every command first verifies the runtime: fresh evidence for a random nonce must\n"
            "show the accepted measurement, HOST_DATA = the digest of YOUR copy of the manifest,\n"
            "and REPORT_DATA binding that digest, this TLS session's key and the nonce. Nothing\n"
            "is sent before this passes.\n\n"
            "  verify [--save-evidence DIR]             only verify (DIR gets evidence, nonce, key)\n"
            "  upload (--component ID | --input ID) FILE upload one of your assets\n"
            "  status                                   the runtime's state and assets\n"
            "  fetch --identity AGE [--out-dir DIR] [OUTPUT...]\n"
            "                                           download and decrypt your outputs\n"
            "  log --identity AGE [--out-dir DIR] COMPONENT...\n"
            "                                           your components' logs (tcvm:host/log)\n"
            "  transcript [--out FILE]                  download and verify the transcript\n"
            "  check-evidence DIR --manifest FILE [--nonce HEX] [--allow-simulated]\n"
            "                                           re-check saved evidence offline\n\n"
            "  --allow-simulated   accept the `sim` TEE (development and tests only)\n"
            "  --cert-dir DIR      AMD certificates (ARK, ASK, VCEK) for sev-snp evidence\n");
}

typedef struct client_args {
    const char *command;
    const char *url, *manifest, *key, *identity, *cert_dir, *save_dir, *out, *out_dir;
    const char *component, *input, *nonce_hex;
    const char *positional[64];
    int npositional;
    bool allow_simulated;
} client_args_t;

static int parse_args(int argc, char **argv, client_args_t *a)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            client_usage(stdout);
            return -1;
        }
    }
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if ((v = cli_option(argc, argv, &i, "--url", &missing)))
            a->url = v;
        else if ((v = cli_option(argc, argv, &i, "--manifest", &missing)))
            a->manifest = v;
        else if ((v = cli_option(argc, argv, &i, "--key", &missing)))
            a->key = v;
        else if ((v = cli_option(argc, argv, &i, "--identity", &missing)))
            a->identity = v;
        else if ((v = cli_option(argc, argv, &i, "--cert-dir", &missing)))
            a->cert_dir = v;
        else if ((v = cli_option(argc, argv, &i, "--save-evidence", &missing)))
            a->save_dir = v;
        else if ((v = cli_option(argc, argv, &i, "--out", &missing)))
            a->out = v;
        else if ((v = cli_option(argc, argv, &i, "--out-dir", &missing)))
            a->out_dir = v;
        else if ((v = cli_option(argc, argv, &i, "--component", &missing)))
            a->component = v;
        else if ((v = cli_option(argc, argv, &i, "--input", &missing)))
            a->input = v;
        else if ((v = cli_option(argc, argv, &i, "--nonce", &missing)))
            a->nonce_hex = v;
        else if (missing)
            return CLI_USAGE;
        else if (strcmp(argv[i], "--allow-simulated") == 0)
            a->allow_simulated = true;
        else if (argv[i][0] == '-') {
            cli_errorf("client: unknown option '%s'", argv[i]);
            return CLI_USAGE;
        } else if (a->command == NULL) {
            a->command = argv[i];
        } else if (a->npositional < 64) {
            a->positional[a->npositional++] = argv[i];
        } else {
            cli_errorf("client: too many arguments");
            return CLI_USAGE;
        }
    }
    if (a->command == NULL) {
        client_usage(stderr);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static tcvm_status_t write_file(const char *path, const void *data, size_t size, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return TCVM_EIO;
    bool ok = fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    if (ok)
        chmod(path, mode);
    return ok ? TCVM_OK : TCVM_EIO;
}

/* The participant's copy of the manifest: a bundle or a bare manifest. */
static tcvm_bundle_t *load_manifest(const char *path)
{
    tcvm_bundle_t *b = NULL;
    tcvm_error_t err = {0};
    if (tcvm_bundle_load(path, &b, &err) != TCVM_OK) {
        cli_errorf("client: %s", err.message);
        return NULL;
    }
    return b;
}

static int check_evidence_cmd(client_args_t *a)
{
    if (a->npositional != 1 || a->manifest == NULL) {
        cli_errorf("client check-evidence: give DIR and --manifest FILE");
        return CLI_USAGE;
    }
    const char *dir = a->positional[0];
    char path[4096];
    uint8_t *ev = NULL, *nonce_file = NULL, *key_file = NULL;
    size_t ev_size = 0, nonce_size = 0, key_size = 0;
    tcvm_error_t err = {0};
    tcvm_bundle_t *b = load_manifest(a->manifest);
    if (b == NULL)
        return CLI_FAIL;
    int rc = CLI_FAIL;
    uint8_t nonce[TCVM_HOST_NONCE_SIZE], key[TCVM_SIGN_PUBLIC_SIZE];
    snprintf(path, sizeof path, "%s/evidence.bin", dir);
    if (tcvm__read_file(path, 1 << 20, &ev, &ev_size, &err) != TCVM_OK)
        goto fail_io;
    snprintf(path, sizeof path, "%s/runtime-key.txt", dir);
    if (tcvm__read_file(path, 256, &key_file, &key_size, &err) != TCVM_OK)
        goto fail_io;
    while (key_size && (key_file[key_size - 1] == '\n'))
        key_size--;
    if (tcvm_sign_public_parse((const char *)key_file, key_size, key, &err) != TCVM_OK)
        goto fail_io;
    if (a->nonce_hex != NULL) {
        if (strlen(a->nonce_hex) != 64 || !tcvm__hex_decode(a->nonce_hex, 64, nonce, 32)) {
            cli_errorf("--nonce: want 64 hex digits");
            rc = CLI_USAGE;
            goto done;
        }
    } else {
        snprintf(path, sizeof path, "%s/nonce.txt", dir);
        if (tcvm__read_file(path, 256, &nonce_file, &nonce_size, &err) != TCVM_OK)
            goto fail_io;
        if (nonce_size < 64 || !tcvm__hex_decode((const char *)nonce_file, 64, nonce, 32)) {
            cli_errorf("client check-evidence: %s is not 64 hex digits", path);
            goto done;
        }
    }
    tcvm_attest_result_t res;
    if (tcvm_net_check_evidence(tcvm_bundle_manifest(b), ev, ev_size, key, nonce,
                                a->allow_simulated, a->cert_dir, &res) != TCVM_OK) {
        printf("FAIL %s: %s\n", res.check ? res.check : "setup", res.message);
        goto done;
    }
    printf("OK%s evidence binds the manifest, the runtime key and the nonce\n",
           res.simulated ? " SIMULATED" : "");
    rc = CLI_OK;
    goto done;
fail_io:
    cli_errorf("client check-evidence: %s", err.message);
done:
    tcvm__free(ev);
    tcvm__free(nonce_file);
    tcvm__free(key_file);
    tcvm_bundle_destroy(b);
    return rc;
}

/* Prints the server's refusal and returns CLI_FAIL, or CLI_OK for HTTP 200. */
static int http_result(tcvm_net_client_t *c, long code, const char *what)
{
    if (code == 200)
        return CLI_OK;
    printf("REFUSED %s: %s\n", what, tcvm_net_client_error(c)->message);
    return CLI_FAIL;
}

static int do_upload(tcvm_net_client_t *c, client_args_t *a)
{
    if ((a->component == NULL) == (a->input == NULL) || a->npositional != 1) {
        cli_errorf("client upload: give --component ID or --input ID, and one FILE");
        return CLI_USAGE;
    }
    const char *id = a->component ? a->component : a->input;
    uint8_t *data = NULL;
    size_t size = 0;
    tcvm_error_t err = {0};
    if (tcvm__read_file(a->positional[0], TCVM_HOST_MAX_ASSET_SIZE + 1, &data, &size, &err) !=
        TCVM_OK) {
        cli_errorf("client upload: %s", err.message);
        return CLI_FAIL;
    }
    uint8_t sha[32];
    char hex[65], header[128], path[256];
    tcvm__sha256(data, size, sha);
    tcvm__hex_encode(sha, 32, hex, sizeof hex);
    snprintf(header, sizeof header, "%s: %s", TCVM_NET_DIGEST_HEADER, hex);
    snprintf(path, sizeof path, "/v1/%s/%.64s", a->component ? "components" : "inputs", id);
    long code = 0;
    uint8_t *resp = NULL;
    size_t resp_size = 0;
    tcvm_status_t st = tcvm_net_client_request(c, "PUT", path, data, size, header, &code, &resp,
                                               &resp_size);
    tcvm__wipe(data, size);
    tcvm__free(data);
    if (st != TCVM_OK) {
        cli_errorf("client upload: %s", tcvm_net_client_error(c)->message);
        return CLI_FAIL;
    }
    int rc = http_result(c, code, "upload");
    if (rc == CLI_OK)
        printf("uploaded %s %s: %zu bytes, sha256:%s; runtime says %.*s\n",
               a->component ? "component" : "input", id, size, hex, (int)resp_size,
               (const char *)resp);
    tcvm_seal_free(resp);
    return rc;
}

static int do_get_print(tcvm_net_client_t *c, const char *path, const char *what)
{
    long code = 0;
    uint8_t *resp = NULL;
    size_t size = 0;
    if (tcvm_net_client_request(c, "GET", path, NULL, 0, NULL, &code, &resp, &size) != TCVM_OK) {
        cli_errorf("client %s: %s", what, tcvm_net_client_error(c)->message);
        return CLI_FAIL;
    }
    int rc = http_result(c, code, what);
    if (rc == CLI_OK)
        printf("%.*s\n", (int)size, (const char *)resp);
    tcvm_seal_free(resp);
    return rc;
}

static int fetch_one(tcvm_net_client_t *c, const tcvm_age_identity_t *ids, size_t nids,
                     const char *id, const char *out_dir, bool log)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/%s/%.64s", log ? "logs" : "outputs", id);
    long code = 0;
    uint8_t *resp = NULL, *plain = NULL;
    size_t size = 0, plain_size = 0;
    tcvm_error_t err = {0};
    if (tcvm_net_client_request(c, "GET", path, NULL, 0, NULL, &code, &resp, &size) != TCVM_OK) {
        cli_errorf("client fetch: %s", tcvm_net_client_error(c)->message);
        return CLI_FAIL;
    }
    int rc = http_result(c, code, id);
    if (rc != CLI_OK) {
        tcvm_seal_free(resp);
        return rc;
    }
    if (tcvm_open_buffer(ids, nids, resp, size, &plain, &plain_size, &err) != TCVM_OK) {
        printf("FAIL %s: cannot decrypt: %s\n", id, err.message);
        tcvm_seal_free(resp);
        return CLI_FAIL;
    }
    char file[4096];
    snprintf(file, sizeof file, "%.3000s/%.64s%s", out_dir, id, log ? ".log" : "");
    if (write_file(file, plain, plain_size, 0600) != TCVM_OK) {
        cli_errorf("client fetch: cannot write %s: %s", file, strerror(errno));
        rc = CLI_FAIL;
    } else {
        printf("fetched %s: %zu bytes sealed, %zu bytes decrypted -> %s\n", id, size, plain_size,
               file);
    }
    tcvm_seal_free_secret(plain, plain_size);
    tcvm_seal_free(resp);
    return rc;
}

static int do_fetch(tcvm_net_client_t *c, client_args_t *a, bool log)
{
    if (a->identity == NULL) {
        cli_errorf("client fetch: give --identity AGE (your age identity file)");
        return CLI_USAGE;
    }
    if (log && a->npositional == 0) {
        cli_errorf("client log: name the COMPONENT(s) whose log to fetch");
        return CLI_USAGE;
    }
    tcvm_age_identity_t *ids = NULL;
    size_t nids = 0;
    tcvm_error_t err = {0};
    if (tcvm_age_identities_load(a->identity, &ids, &nids, &err) != TCVM_OK) {
        cli_errorf("client fetch: %s", err.message);
        return CLI_FAIL;
    }
    const char *out_dir = a->out_dir ? a->out_dir : ".";
    int rc = CLI_OK;
    if (a->npositional > 0) {
        for (int i = 0; i < a->npositional; i++)
            if (fetch_one(c, ids, nids, a->positional[i], out_dir, log) != CLI_OK)
                rc = CLI_FAIL;
    } else {
        long code = 0;
        uint8_t *resp = NULL;
        size_t size = 0;
        if (tcvm_net_client_request(c, "GET", "/v1/outputs", NULL, 0, NULL, &code, &resp,
                                    &size) != TCVM_OK ||
            http_result(c, code, "outputs") != CLI_OK) {
            tcvm_seal_free(resp);
            tcvm_age_identities_free(ids, nids);
            return CLI_FAIL;
        }
        json_t *list = json_loadb((const char *)resp, size, 0, NULL);
        tcvm_seal_free(resp);
        size_t n = json_is_array(list) ? json_array_size(list) : 0;
        if (n == 0)
            printf("no outputs for you\n");
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(list, i);
            const char *id = json_string_value(json_object_get(e, "id"));
            if (id == NULL)
                continue;
            if (!json_is_true(json_object_get(e, "ready"))) {
                printf("not ready %s\n", id);
                rc = CLI_FAIL;
                continue;
            }
            if (fetch_one(c, ids, nids, id, out_dir, false) != CLI_OK)
                rc = CLI_FAIL;
        }
        json_decref(list);
    }
    tcvm_age_identities_free(ids, nids);
    return rc;
}

static int do_transcript(tcvm_net_client_t *c, client_args_t *a)
{
    long code = 0;
    uint8_t *resp = NULL;
    size_t size = 0;
    if (tcvm_net_client_request(c, "GET", "/v1/transcript", NULL, 0, NULL, &code, &resp,
                                &size) != TCVM_OK) {
        cli_errorf("client transcript: %s", tcvm_net_client_error(c)->message);
        return CLI_FAIL;
    }
    int rc = http_result(c, code, "transcript");
    if (rc != CLI_OK) {
        tcvm_seal_free(resp);
        return rc;
    }
    uint8_t nonce[32], key[32];
    tcvm_net_client_session(c, nonce, key);
    tcvm_transcript_t *t = NULL;
    tcvm_error_t err = {0};
    if (tcvm_transcript_load(resp, size, key, &t, &err) != TCVM_OK) {
        printf("FAIL transcript: %s\n", err.message);
        tcvm_seal_free(resp);
        return CLI_FAIL;
    }
    uint64_t when = 0;
    bool final = false;
    tcvm_transcript_head(t, &when, &final);
    char ts[32];
    tcvm_transcript_format_time(when, ts);
    printf("transcript verified: %zu records, head signed %s by the attested runtime key%s\n",
           tcvm_transcript_count(t), ts, final ? ", final" : ", not final (the job goes on)");
    if (a->out != NULL) {
        if (write_file(a->out, resp, size, 0644) != TCVM_OK) {
            cli_errorf("client transcript: cannot write %s", a->out);
            rc = CLI_FAIL;
        } else {
            printf("saved to %s\n", a->out);
        }
    }
    tcvm_transcript_destroy(t);
    tcvm_seal_free(resp);
    return rc;
}

static int save_evidence(tcvm_net_client_t *c, const char *dir, const uint8_t *ev, size_t size)
{
    uint8_t nonce[32], key[32];
    tcvm_net_client_session(c, nonce, key);
    char path[4096], hex[65], key_text[TCVM_SIGN_PUBLIC_TEXT_SIZE + 1];
    tcvm__hex_encode(nonce, 32, hex, sizeof hex);
    hex[64] = '\n';
    tcvm_sign_public_format(key, key_text);
    size_t kl = strlen(key_text);
    key_text[kl] = '\n';
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        cli_errorf("client verify: cannot make %s: %s", dir, strerror(errno));
        return CLI_FAIL;
    }
    snprintf(path, sizeof path, "%s/evidence.bin", dir);
    tcvm_status_t st = write_file(path, ev, size, 0644);
    snprintf(path, sizeof path, "%s/nonce.txt", dir);
    if (st == TCVM_OK)
        st = write_file(path, hex, 65, 0644);
    snprintf(path, sizeof path, "%s/runtime-key.txt", dir);
    if (st == TCVM_OK)
        st = write_file(path, key_text, kl + 1, 0644);
    if (st != TCVM_OK) {
        cli_errorf("client verify: cannot write into %s", dir);
        return CLI_FAIL;
    }
    printf("evidence, nonce and runtime key saved in %s\n", dir);
    return CLI_OK;
}

int cli_cmd_client(int argc, char **argv)
{
    client_args_t a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc < 0)
        return CLI_OK;
    if (rc != CLI_OK)
        return rc;
    const char *cmd = a.command;
    if (strcmp(cmd, "check-evidence") == 0)
        return check_evidence_cmd(&a);
    if (strcmp(cmd, "verify") && strcmp(cmd, "upload") && strcmp(cmd, "status") &&
        strcmp(cmd, "fetch") && strcmp(cmd, "log") && strcmp(cmd, "transcript")) {
        cli_errorf("client: unknown command '%s'", cmd);
        client_usage(stderr);
        return CLI_USAGE;
    }
    if (a.url == NULL || a.manifest == NULL || a.key == NULL) {
        cli_errorf("client %s: give --url, --manifest and --key", cmd);
        return CLI_USAGE;
    }
    tcvm_error_t err = {0};
    tcvm_bundle_t *b = load_manifest(a.manifest);
    tcvm_sign_key_t *key = NULL;
    tcvm_net_client_t *c = NULL;
    rc = CLI_FAIL;
    if (b == NULL)
        goto done;
    if (tcvm_sign_key_load(a.key, &key, &err) != TCVM_OK) {
        cli_errorf("client: %s", err.message);
        goto done;
    }
    const tcvm_manifest_t *m = tcvm_bundle_manifest(b);
    uint8_t pub[32];
    size_t me;
    tcvm_sign_key_public(key, pub);
    if (!tcvm_manifest_find_signer(m, pub, &me)) {
        cli_errorf("client: the key %s is not a participant's signing key in %s (the runtime "
                   "would refuse it; trying anyway)",
                   a.key, a.manifest);
    }
    tcvm_net_client_config_t cfg = {.url = a.url, .manifest = m, .key = key,
                                    .allow_simulated = a.allow_simulated,
                                    .cert_dir = a.cert_dir};
    if (tcvm_net_client_new(&cfg, &c, &err) != TCVM_OK) {
        cli_errorf("client: %s", err.message);
        goto done;
    }
    tcvm_attest_result_t res;
    uint8_t *ev = NULL;
    size_t ev_size = 0;
    if (tcvm_net_client_verify(c, &res, a.save_dir ? &ev : NULL, &ev_size) != TCVM_OK) {
        printf("NOT VERIFIED: %s\n", tcvm_net_client_error(c)->message);
        printf("nothing but the evidence request was sent to the runtime\n");
        goto done;
    }
    {
        uint8_t nonce[32], rkey[32];
        char rtext[TCVM_SIGN_PUBLIC_TEXT_SIZE], dhex[65];
        tcvm_net_client_session(c, nonce, rkey);
        tcvm_sign_public_format(rkey, rtext);
        tcvm__hex_encode(m->digest, 32, dhex, sizeof dhex);
        printf("verified%s: %s runtime, manifest sha256:%s, runtime key %s\n",
               res.simulated ? " (SIMULATED TEE)" : "", tcvm_snp_product_name(res.product), dhex,
               rtext);
    }
    if (a.save_dir != NULL) {
        rc = save_evidence(c, a.save_dir, ev, ev_size);
        tcvm_seal_free(ev);
        if (rc != CLI_OK)
            goto done;
    }
    if (strcmp(cmd, "verify") == 0)
        rc = CLI_OK;
    else if (strcmp(cmd, "upload") == 0)
        rc = do_upload(c, &a);
    else if (strcmp(cmd, "status") == 0)
        rc = do_get_print(c, "/v1/status", "status");
    else if (strcmp(cmd, "fetch") == 0)
        rc = do_fetch(c, &a, false);
    else if (strcmp(cmd, "log") == 0)
        rc = do_fetch(c, &a, true);
    else
        rc = do_transcript(c, &a);
done:
    tcvm_net_client_destroy(c);
    tcvm_sign_key_destroy(key);
    tcvm_bundle_destroy(b);
    return rc;
}
