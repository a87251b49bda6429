/* SPDX-License-Identifier: Apache-2.0
 * `2cvm demo`: the whole system on one machine, over loopback, with the simulated TEE. Two
 * hospitals and a risk-model vendor make keys, write and sign an agreement, start a runtime
 * locked to it, verify it and upload their components and data, let the job run, fetch and
 * decrypt what is theirs and verify the transcript; then the demo shows two refusals: the vendor
 * asking for a hospital's scores, and an agreement whose hospital component imports an interface
 * no channel grants. It prints the story as it goes; --keep DIR leaves every file.
 */
#include "cli/cli.h"

#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "crypto/crypto.h"
#include "tcvm/host.h"
#include "tcvm/net.h"
#include "tcvm/transcript.h"

#ifndef TCVM_DEMO_COMPONENT_DIR
#define TCVM_DEMO_COMPONENT_DIR "build/components/demo"
#endif

/* The launch measurement the demo's simulated VM claims (and its manifest accepts). */
static const char demo_measurement[] =
    "3263766d2064656d6f2072756e74696d6520696d616765207631202873696d756c61746564292e2e2e2e2e2e2e2e2e2e";

static const char *const parties[3] = {"hospital-a", "hospital-b", "vendor"};

typedef struct party {
    const char *id;
    tcvm_sign_key_t *key;
    tcvm_age_identity_t *ids;
    size_t nids;
    tcvm_keygen_paths_t paths;
} party_t;

typedef struct demo {
    char dir[4096];
    const char *components;
    party_t p[3];
    double t0;
} demo_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(demo_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(demo_t *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("[%5.1fs] ", now_s() - d->t0);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void indent(const char *text, size_t size, size_t max_lines)
{
    size_t lines = 0;
    const char *p = text, *end = text + size;
    while (p < end && lines < max_lines) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        printf("          | %.*s\n", (int)n, p);
        lines++;
        p += n + (nl ? 1 : 0);
    }
    if (p < end)
        printf("          | ...\n");
}

static char *path_in(demo_t *d, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%.3000s/%.1000s", d->dir, name);
    return buf;
}

static bool write_all(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return false;
    bool ok = fwrite(data, 1, size, f) == size;
    return (fclose(f) == 0) && ok;
}

/* ---- data --------------------------------------------------------------------------------- */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* Patient records: plausible ICU admissions, a fraction of them deteriorating. */
static bool make_records(const char *path, uint64_t seed, unsigned rows, unsigned first_id)
{
    tcvm_buf_t b = {0};
    rng_state = seed;
    tcvm__buf_printf(&b, "patient_id,age,heart_rate,systolic_bp,resp_rate,lactate,spo2\n");
    for (unsigned i = 0; i < rows; i++) {
        bool sick = rnd(100) < 18;
        unsigned age = 25 + rnd(65);
        unsigned hr = sick ? 95 + rnd(50) : 60 + rnd(40);
        unsigned sbp = sick ? 75 + rnd(35) : 105 + rnd(40);
        unsigned rr = sick ? 20 + rnd(14) : 12 + rnd(8);
        unsigned lac = sick ? 20 + rnd(60) : 5 + rnd(15); /* x10 */
        unsigned spo2 = sick ? 84 + rnd(10) : 93 + rnd(7);
        tcvm__buf_printf(&b, "%u,%u,%u,%u,%u,%u.%u,%u\n", first_id + i, age, hr, sbp, rr,
                         lac / 10, lac % 10, spo2);
    }
    bool ok = b.data && write_all(path, b.data, b.size);
    tcvm__buf_free(&b);
    return ok;
}

static const char weights_text[] = "age 60 12\n"
                                   "heart_rate 85 37\n"
                                   "systolic_bp 115 -37\n"
                                   "resp_rate 16 100\n"
                                   "lactate 15 37\n"
                                   "oxygen_saturation 95 -150\n"
                                   "bias 200\n";

/* ---- the agreement ----------------------------------------------------------------------- */

static bool file_digest(const char *path, char hex[65])
{
    uint8_t *data = NULL, sha[32];
    size_t size = 0;
    tcvm_error_t err = {0};
    if (tcvm__read_file(path, (size_t)1 << 26, &data, &size, &err) != TCVM_OK) {
        cli_errorf("demo: %s", err.message);
        return false;
    }
    tcvm__sha256(data, size, sha);
    tcvm__free(data);
    tcvm__hex_encode(sha, 32, hex, 65);
    return true;
}

/* Writes the manifest; prepare_b names the component file hospital B brings. */
static bool write_manifest(demo_t *d, const char *path, const char *name, const char *prepare_b)
{
    char files[5][4096], dg[5][65], wpath[4096];
    const char *names[5] = {"demo_prepare_a.wasm", prepare_b, "demo_risk_model.wasm",
                            "demo_aggregate.wasm", NULL};
    for (int i = 0; i < 4; i++) {
        snprintf(files[i], sizeof files[i], "%s/%s", d->components, names[i]);
        if (!file_digest(files[i], dg[i]))
            return false;
    }
    if (!file_digest(path_in(d, "model-weights.txt", wpath, sizeof wpath), dg[4]))
        return false;
    char pub[3][TCVM_SIGN_PUBLIC_TEXT_SIZE], rcpt[3][TCVM_AGE_RECIPIENT_TEXT_SIZE];
    for (int i = 0; i < 3; i++) {
        uint8_t k[32];
        tcvm_sign_key_public(d->p[i].key, k);
        tcvm_sign_public_format(k, pub[i]);
        tcvm_age_recipient_t r;
        tcvm_age_identity_recipient(&d->p[i].ids[0], &r);
        tcvm_age_recipient_format(&r, rcpt[i]);
    }
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return false;
    fprintf(f,
            "{\n"
            "  \"version\": 1,\n"
            "  \"name\": \"%s\",\n"
            "  \"description\": \"ICU deterioration risk scores for two hospitals with a vendor's "
            "model\",\n"
            "  \"participants\": [\n"
            "    {\"id\": \"hospital-a\", \"name\": \"Hospital A\", \"signing_key\": \"%s\", "
            "\"recipient\": \"%s\"},\n"
            "    {\"id\": \"hospital-b\", \"name\": \"Hospital B\", \"signing_key\": \"%s\", "
            "\"recipient\": \"%s\"},\n"
            "    {\"id\": \"vendor\", \"name\": \"Risk Model Vendor\", \"signing_key\": \"%s\", "
            "\"recipient\": \"%s\"}\n"
            "  ],\n"
            "  \"runtime\": {\"tee\": \"sim\", \"measurements\": [\"%s\"],\n"
            "              \"min_tcb\": {\"bootloader\": 3, \"tee\": 0, \"snp\": 8, \"microcode\": "
            "84}},\n"
            "  \"components\": [\n"
            "    {\"id\": \"prepare-a\", \"owner\": \"hospital-a\", \"digest\": \"sha256:%s\", "
            "\"limits\": {\"memory\": \"16MiB\", \"fuel\": 2000000000, \"time\": \"30s\"}},\n"
            "    {\"id\": \"prepare-b\", \"owner\": \"hospital-b\", \"digest\": \"sha256:%s\", "
            "\"limits\": {\"memory\": \"16MiB\", \"fuel\": 2000000000, \"time\": \"30s\"}},\n"
            "    {\"id\": \"risk-model\", \"owner\": \"vendor\", \"digest\": \"sha256:%s\", "
            "\"limits\": {\"memory\": \"16MiB\", \"fuel\": 2000000000, \"time\": \"30s\"}},\n"
            "    {\"id\": \"aggregate\", \"owner\": \"hospital-a\", \"digest\": \"sha256:%s\", "
            "\"limits\": {\"memory\": \"4MiB\", \"fuel\": 100000000, \"time\": \"30s\"}}\n"
            "  ],\n"
            "  \"inputs\": [\n"
            "    {\"id\": \"records-a\", \"owner\": \"hospital-a\", \"max_size\": \"16MiB\", "
            "\"readers\": [\"prepare-a\"]},\n"
            "    {\"id\": \"records-b\", \"owner\": \"hospital-b\", \"max_size\": \"16MiB\", "
            "\"readers\": [\"prepare-b\"]},\n"
            "    {\"id\": \"model-weights\", \"owner\": \"vendor\", \"digest\": \"sha256:%s\", "
            "\"max_size\": \"64KiB\", \"readers\": [\"risk-model\"]}\n"
            "  ],\n"
            "  \"channels\": [\n"
            "    {\"from\": \"aggregate\", \"to\": \"prepare-a\", \"interface\": "
            "\"tcvm:demo/hospital-a\"},\n"
            "    {\"from\": \"aggregate\", \"to\": \"prepare-b\", \"interface\": "
            "\"tcvm:demo/hospital-b\"},\n"
            "    {\"from\": \"prepare-a\", \"to\": \"risk-model\", \"interface\": "
            "\"tcvm:demo/risk-model\"},\n"
            "    {\"from\": \"prepare-b\", \"to\": \"risk-model\", \"interface\": "
            "\"tcvm:demo/risk-model\"}\n"
            "  ],\n"
            "  \"outputs\": [\n"
            "    {\"id\": \"scores-a\", \"writer\": \"prepare-a\", \"recipients\": "
            "[\"hospital-a\"], \"max_size\": \"4MiB\"},\n"
            "    {\"id\": \"scores-b\", \"writer\": \"prepare-b\", \"recipients\": "
            "[\"hospital-b\"], \"max_size\": \"4MiB\"},\n"
            "    {\"id\": \"aggregate-stats\", \"writer\": \"aggregate\", \"recipients\": "
            "[\"hospital-a\", \"hospital-b\", \"vendor\"], \"max_size\": \"64KiB\"}\n"
            "  ],\n"
            "  \"entry\": {\"component\": \"aggregate\", \"export\": \"run\"}\n"
            "}\n",
            name, pub[0], rcpt[0], pub[1], rcpt[1], pub[2], rcpt[2], demo_measurement, dg[0],
            dg[1], dg[2], dg[3], dg[4]);
    return fclose(f) == 0;
}

/* Every party signs; the bundle is written next to the manifest. */
static bool sign_bundle(demo_t *d, const char *manifest, const char *bundle_path)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    tcvm_error_t err = {0};
    tcvm_bundle_t *b = NULL;
    bool ok = tcvm__read_file(manifest, TCVM_MANIFEST_MAX_SIZE, &bytes, &size, &err) == TCVM_OK &&
              tcvm_bundle_create(bytes, size, &b, &err) == TCVM_OK;
    for (int i = 0; ok && i < 3; i++) {
        size_t who;
        ok = tcvm_bundle_sign(b, d->p[i].key, &who) == TCVM_OK;
    }
    ok = ok && tcvm_bundle_complete(b) && tcvm_bundle_save(b, bundle_path, &err) == TCVM_OK;
    if (!ok)
        cli_errorf("demo: cannot sign %s: %s", manifest, err.message);
    tcvm_bundle_destroy(b);
    tcvm__free(bytes);
    return ok;
}

/* ---- a runtime in this process -------------------------------------------------------------- */

typedef struct runtime {
    tcvm_host_t *host;
    tcvm_net_server_t *server;
    pthread_t thread;
    bool running;
    char url[64];
    tcvm_manifest_t *manifest; /* the parties' copy */
} runtime_t;

static void *serve_thread(void *arg)
{
    runtime_t *r = arg;
    tcvm_net_server_run(r->server);
    return NULL;
}

static bool runtime_start(demo_t *d, runtime_t *r, const char *bundle_path)
{
    memset(r, 0, sizeof *r);
    uint8_t *bundle = NULL;
    size_t size = 0;
    tcvm_error_t err = {0};
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    char sim_dir[4096];
    cfg.sim_dir = path_in(d, "sim-tee", sim_dir, sizeof sim_dir);
    tcvm__hex_decode(demo_measurement, 96, cfg.sim_measurement, 48);
    tcvm_attest_provider_t *p = NULL;
    tcvm_bundle_t *b = NULL;
    if (tcvm__read_file(bundle_path, TCVM_BUNDLE_MAX_SIZE, &bundle, &size, &err) != TCVM_OK ||
        tcvm_bundle_parse(bundle, size, &b, &err) != TCVM_OK) {
        cli_errorf("demo: %s", err.message);
        tcvm__free(bundle);
        return false;
    }
    /* The host launches the VM with HOST_DATA = the manifest digest. */
    const tcvm_manifest_t *m = tcvm_bundle_manifest(b);
    memcpy(cfg.sim_host_data, m->digest, 32);
    bool ok = tcvm_manifest_parse(m->bytes, m->size, &r->manifest, &err) == TCVM_OK &&
              tcvm_attest_provider_open("sim", &cfg, &p, &err) == TCVM_OK;
    tcvm_bundle_destroy(b);
    if (ok) {
        ok = tcvm_host_create(bundle, size, p, &r->host, &err) == TCVM_OK;
        ok = ok && tcvm_net_server_new(r->host, "127.0.0.1", 0, NULL, NULL, &r->server, &err) ==
                       TCVM_OK;
    }
    tcvm__free(bundle);
    if (!ok) {
        cli_errorf("demo: the runtime did not start: %s", err.message);
        return false;
    }
    snprintf(r->url, sizeof r->url, "https://127.0.0.1:%u",
             (unsigned)tcvm_net_server_port(r->server));
    r->running = pthread_create(&r->thread, NULL, serve_thread, r) == 0;
    return r->running;
}

static void runtime_stop(runtime_t *r)
{
    if (r->running) {
        tcvm_net_server_stop(r->server);
        pthread_join(r->thread, NULL);
    }
    tcvm_net_server_destroy(r->server);
    tcvm_host_destroy(r->host);
    tcvm_manifest_destroy(r->manifest);
    memset(r, 0, sizeof *r);
}

/* A party's verified session with the runtime, or NULL (the reason printed). */
static tcvm_net_client_t *session(demo_t *d, runtime_t *r, party_t *p, bool show)
{
    tcvm_net_client_config_t cfg = {.url = r->url, .manifest = r->manifest, .key = p->key,
                                    .allow_simulated = true};
    tcvm_net_client_t *c = NULL;
    tcvm_error_t err = {0};
    tcvm_attest_result_t res;
    if (tcvm_net_client_new(&cfg, &c, &err) != TCVM_OK) {
        say(d, "%s: cannot make a client: %s", p->id, err.message);
        return NULL;
    }
    if (tcvm_net_client_verify(c, &res, NULL, NULL) != TCVM_OK) {
        say(d, "%s: the runtime did NOT verify: %s", p->id, tcvm_net_client_error(c)->message);
        tcvm_net_client_destroy(c);
        return NULL;
    }
    if (show)
        say(d, "%s verifies the runtime: simulated SEV-SNP report, measurement accepted, "
               "HOST_DATA = its manifest digest, REPORT_DATA binds its nonce and this TLS key",
            p->id);
    return c;
}

static bool upload(demo_t *d, tcvm_net_client_t *c, party_t *p, const char *kind, const char *id,
                   const char *file)
{
    uint8_t *data = NULL, sha[32];
    size_t size = 0;
    tcvm_error_t err = {0};
    if (tcvm__read_file(file, (size_t)1 << 26, &data, &size, &err) != TCVM_OK) {
        say(d, "%s: %s", p->id, err.message);
        return false;
    }
    char hex[65], header[128], path[128];
    tcvm__sha256(data, size, sha);
    tcvm__hex_encode(sha, 32, hex, sizeof hex);
    snprintf(header, sizeof header, "%s: %s", TCVM_NET_DIGEST_HEADER, hex);
    snprintf(path, sizeof path, "/v1/%ss/%s", kind, id);
    long code = 0;
    uint8_t *resp = NULL;
    size_t rsize = 0;
    tcvm_status_t st = tcvm_net_client_request(c, "PUT", path, data, size, header, &code, &resp,
                                               &rsize);
    tcvm__free(data);
    tcvm_seal_free(resp);
    if (st != TCVM_OK || code != 200) {
        say(d, "%s: upload of %s refused: %s", p->id, id, tcvm_net_client_error(c)->message);
        return false;
    }
    say(d, "%s uploads %s %s (%zu bytes, sha256 %.16s...)", p->id, kind, id, size, hex);
    return true;
}

/* Fetches and decrypts an output; returns the plaintext (caller frees) or NULL. */
static uint8_t *fetch(tcvm_net_client_t *c, party_t *p, const char *id, size_t *out_size,
                      long *out_code, char *why, size_t why_size)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/outputs/%s", id);
    uint8_t *resp = NULL, *plain = NULL;
    size_t size = 0;
    tcvm_error_t err = {0};
    *out_code = 0;
    if (tcvm_net_client_request(c, "GET", path, NULL, 0, NULL, out_code, &resp, &size) !=
        TCVM_OK) {
        snprintf(why, why_size, "%s", tcvm_net_client_error(c)->message);
        return NULL;
    }
    if (*out_code != 200) {
        snprintf(why, why_size, "%s", tcvm_net_client_error(c)->message);
        tcvm_seal_free(resp);
        return NULL;
    }
    if (tcvm_open_buffer(p->ids, p->nids, resp, size, &plain, out_size, &err) != TCVM_OK) {
        snprintf(why, why_size, "cannot decrypt: %.450s", err.message);
        plain = NULL;
    }
    tcvm_seal_free(resp);
    return plain;
}

/* ---- the story ---------------------------------------------------------------------------- */

static int act_one(demo_t *d)
{
    char manifest[4096], bundle[4096], rec[2][4096], weights[4096];
    path_in(d, "agreement.json", manifest, sizeof manifest);
    path_in(d, "bundle.json", bundle, sizeof bundle);
    path_in(d, "records-a.csv", rec[0], sizeof rec[0]);
    path_in(d, "records-b.csv", rec[1], sizeof rec[1]);
    path_in(d, "model-weights.txt", weights, sizeof weights);
    if (!make_records(rec[0], 0x2c7a11ull, 3200, 100000) ||
        !make_records(rec[1], 0x2c7b22ull, 2700, 500000) ||
        !write_all(weights, weights_text, sizeof weights_text - 1)) {
        cli_errorf("demo: cannot write the data in %s", d->dir);
        return CLI_FAIL;
    }
    say(d, "hospital-a has 3,200 patient records, hospital-b 2,700 (generated); the vendor has "
           "its model weights");
    if (!write_manifest(d, manifest, "icu-risk-demo", "demo_prepare_b.wasm") ||
        !sign_bundle(d, manifest, bundle))
        return CLI_FAIL;
    tcvm_error_t err = {0};
    tcvm_manifest_t *m = NULL;
    if (tcvm_manifest_load(manifest, &m, &err) != TCVM_OK) {
        cli_errorf("demo: %s", err.message);
        return CLI_FAIL;
    }
    char digest[65];
    tcvm__hex_encode(m->digest, 32, digest, sizeof digest);
    tcvm_manifest_destroy(m);
    say(d, "the agreement: 3 participants, 4 components, 3 inputs, 4 channels, 3 outputs; "
           "digest %.16s...", digest);
    say(d, "  records-a -> prepare-a only, records-b -> prepare-b only, weights -> risk-model "
           "only;");
    say(d, "  prepare-a/b may call risk-model, aggregate may call prepare-a/b; scores-a to "
           "hospital-a, scores-b to hospital-b, aggregate-stats to all three");
    say(d, "all three sign the agreement (consent bundle: %s)", bundle);

    runtime_t r;
    if (!runtime_start(d, &r, bundle))
        return CLI_FAIL;
    say(d, "the host launches the VM with HOST_DATA = the digest; the runtime checks it, locks "
           "the manifest and listens on %s",
        r.url);
    int rc = CLI_FAIL;
    tcvm_net_client_t *c[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++)
        if ((c[i] = session(d, &r, &d->p[i], true)) == NULL)
            goto done;
    char comp[4][4096];
    const char *cfiles[4] = {"demo_prepare_a.wasm", "demo_prepare_b.wasm", "demo_risk_model.wasm",
                             "demo_aggregate.wasm"};
    for (int i = 0; i < 4; i++)
        snprintf(comp[i], sizeof comp[i], "%s/%s", d->components, cfiles[i]);
    if (!upload(d, c[0], &d->p[0], "component", "prepare-a", comp[0]) ||
        !upload(d, c[0], &d->p[0], "component", "aggregate", comp[3]) ||
        !upload(d, c[0], &d->p[0], "input", "records-a", rec[0]) ||
        !upload(d, c[1], &d->p[1], "component", "prepare-b", comp[1]) ||
        !upload(d, c[1], &d->p[1], "input", "records-b", rec[1]) ||
        !upload(d, c[2], &d->p[2], "component", "risk-model", comp[2]))
        goto done;
    say(d, "the vendor uploads its weights last; every asset is in and the job starts");
    if (!upload(d, c[2], &d->p[2], "input", "model-weights", weights))
        goto done;
    tcvm_host_state_t st = tcvm_host_wait(r.host, 60000);
    char failure[TCVM_ERROR_MSG_SIZE];
    tcvm_host_failure(r.host, failure, sizeof failure);
    if (st != TCVM_HOST_DONE) {
        say(d, "the job ended %s: %s", tcvm_host_state_name(st), failure);
        say(d, "no output of a failed job leaves the runtime");
    } else {
        say(d, "the job is DONE; outputs are sealed to their recipients");
    }

    /* each party fetches what is its */
    const char *mine[3][2] = {{"scores-a", "aggregate-stats"},
                              {"scores-b", "aggregate-stats"},
                              {"aggregate-stats", NULL}};
    bool fetched_all = st == TCVM_HOST_DONE;
    for (int i = 0; i < 3 && st == TCVM_HOST_DONE; i++) {
        for (int k = 0; k < 2 && mine[i][k]; k++) {
            size_t size = 0;
            long code = 0;
            char why[TCVM_ERROR_MSG_SIZE], out[4200];
            uint8_t *plain = fetch(c[i], &d->p[i], mine[i][k], &size, &code, why, sizeof why);
            if (plain == NULL) {
                say(d, "%s cannot fetch %s: %s", d->p[i].id, mine[i][k], why);
                fetched_all = false;
                continue;
            }
            snprintf(out, sizeof out, "%s/%s.%s", d->dir, d->p[i].id, mine[i][k]);
            write_all(out, plain, size);
            say(d, "%s fetches and decrypts %s (%zu bytes) -> %s", d->p[i].id, mine[i][k], size,
                out);
            if (i == 0 || strcmp(mine[i][k], "aggregate-stats") != 0)
                indent((const char *)plain, size, strcmp(mine[i][k], "aggregate-stats") ? 3 : 12);
            tcvm_seal_free_secret(plain, size);
        }
    }

    /* the vendor cannot have a hospital's scores */
    {
        size_t size = 0;
        long code = 0;
        char why[TCVM_ERROR_MSG_SIZE];
        uint8_t *plain = fetch(c[2], &d->p[2], "scores-a", &size, &code, why, sizeof why);
        if (plain != NULL) {
            say(d, "FAILURE: the vendor obtained hospital-a's scores");
            tcvm_seal_free_secret(plain, size);
            goto done;
        }
        say(d, "the vendor asks for scores-a: refused (%s)", why);
    }

    /* the transcript */
    {
        long code = 0;
        uint8_t *text = NULL;
        size_t size = 0;
        uint8_t nonce[32], rkey[32];
        tcvm_transcript_t *t = NULL;
        tcvm_net_client_session(c[1], nonce, rkey);
        if (tcvm_net_client_request(c[1], "GET", "/v1/transcript", NULL, 0, NULL, &code, &text,
                                    &size) != TCVM_OK ||
            code != 200 || tcvm_transcript_load(text, size, rkey, &t, &err) != TCVM_OK) {
            say(d, "hospital-b: the transcript does NOT verify: %s", err.message);
            tcvm_seal_free(text);
            goto done;
        }
        char tpath[4096];
        write_all(path_in(d, "transcript.jsonl", tpath, sizeof tpath), text, size);
        size_t refusals = 0, channels = 0;
        for (size_t i = 0; i < tcvm_transcript_count(t); i++) {
            uint64_t when;
            const char *type;
            const char *line;
            size_t lsize;
            tcvm_transcript_record_info(t, i, &when, &type);
            refusals += strstr(type, "refused") != NULL;
            if (strcmp(type, "channel.total") == 0 &&
                tcvm_transcript_record(t, i, &line, &lsize) == TCVM_OK) {
                channels++;
                const char *f = memmem(line, lsize, "\"fields\":", 9);
                size_t skip = f ? (size_t)(f - line) + 9 : 0;
                say(d, "  channel %.*s", (int)(lsize - skip - (lsize > skip)), line + skip);
            }
        }
        say(d, "hospital-b verifies the transcript (%zu records, %zu refusals, %zu channel "
               "totals; chain and signature by the attested runtime key) -> %s",
            tcvm_transcript_count(t), refusals, channels, tpath);
        tcvm_transcript_destroy(t);
        tcvm_seal_free(text);
    }
    rc = (st == TCVM_HOST_DONE && fetched_all) ? CLI_OK : CLI_FAIL;
done:
    for (int i = 0; i < 3; i++)
        tcvm_net_client_destroy(c[i]);
    runtime_stop(&r);
    return rc;
}

/* An agreement where hospital B's component imports what no channel grants. */
static int act_two(demo_t *d)
{
    char manifest[4096], bundle[4096], rec[4096], weights[4096], comp[4][4096];
    path_in(d, "rogue-agreement.json", manifest, sizeof manifest);
    path_in(d, "rogue-bundle.json", bundle, sizeof bundle);
    if (!write_manifest(d, manifest, "icu-risk-demo-rogue", "demo_prepare_b_rogue.wasm") ||
        !sign_bundle(d, manifest, bundle))
        return CLI_FAIL;
    say(d, "second agreement: hospital-b's component now also imports tcvm:demo/exfiltrate, "
           "which no channel grants (all signed it without reading the WIT)");
    runtime_t r;
    if (!runtime_start(d, &r, bundle))
        return CLI_FAIL;
    int rc = CLI_FAIL;
    tcvm_net_client_t *c[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++)
        if ((c[i] = session(d, &r, &d->p[i], false)) == NULL)
            goto done;
    const char *cfiles[4] = {"demo_prepare_a.wasm", "demo_prepare_b_rogue.wasm",
                             "demo_risk_model.wasm", "demo_aggregate.wasm"};
    for (int i = 0; i < 4; i++)
        snprintf(comp[i], sizeof comp[i], "%s/%s", d->components, cfiles[i]);
    if (!upload(d, c[0], &d->p[0], "component", "prepare-a", comp[0]) ||
        !upload(d, c[0], &d->p[0], "component", "aggregate", comp[3]) ||
        !upload(d, c[0], &d->p[0], "input", "records-a",
                path_in(d, "records-a.csv", rec, sizeof rec)) ||
        !upload(d, c[1], &d->p[1], "component", "prepare-b", comp[1]) ||
        !upload(d, c[1], &d->p[1], "input", "records-b",
                path_in(d, "records-b.csv", rec, sizeof rec)) ||
        !upload(d, c[2], &d->p[2], "component", "risk-model", comp[2]) ||
        !upload(d, c[2], &d->p[2], "input", "model-weights",
                path_in(d, "model-weights.txt", weights, sizeof weights)))
        goto done;
    tcvm_host_state_t st = tcvm_host_wait(r.host, 60000);
    char failure[TCVM_ERROR_MSG_SIZE];
    tcvm_host_failure(r.host, failure, sizeof failure);
    say(d, "the job ended %s: %s", tcvm_host_state_name(st), failure);
    size_t size = 0;
    long code = 0;
    char why[TCVM_ERROR_MSG_SIZE];
    uint8_t *plain = fetch(c[0], &d->p[0], "aggregate-stats", &size, &code, why, sizeof why);
    if (plain != NULL) {
        tcvm_seal_free_secret(plain, size);
        say(d, "FAILURE: an output of a failed job left the runtime");
        goto done;
    }
    say(d, "hospital-a asks for aggregate-stats: refused (%s)", why);
    rc = (st == TCVM_HOST_FAILED && strstr(failure, "tcvm:demo/exfiltrate") != NULL) ? CLI_OK
                                                                                      : CLI_FAIL;
done:
    for (int i = 0; i < 3; i++)
        tcvm_net_client_destroy(c[i]);
    runtime_stop(&r);
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void demo_usage(FILE *out)
{
    fprintf(out, "usage: 2cvm demo [--keep DIR] [--components DIR]\n\n"
                 "Runs the multi-party demo on this machine over loopback with the simulated TEE\n"
                 "(nothing it shows is hardware-attested). --keep DIR leaves every file there;\n"
                 "--components DIR is where the demo components were built (default: %s).\n",
            TCVM_DEMO_COMPONENT_DIR);
}

int cli_cmd_demo(int argc, char **argv)
{
    demo_t d = {.components = TCVM_DEMO_COMPONENT_DIR};
    const char *keep = NULL;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            demo_usage(stdout);
            return CLI_OK;
        } else if ((v = cli_option(argc, argv, &i, "--keep", &missing))) {
            keep = v;
        } else if ((v = cli_option(argc, argv, &i, "--components", &missing))) {
            d.components = v;
        } else {
            if (!missing)
                cli_errorf("demo: unknown argument '%s'", argv[i]);
            demo_usage(stderr);
            return CLI_USAGE;
        }
    }
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/demo_aggregate.wasm", d.components);
    if (access(probe, R_OK) != 0) {
        cli_errorf("demo: the demo components are not built (%s missing); build with clang and "
                   "jco (scripts/setup), or give --components DIR",
                   probe);
        return CLI_FAIL;
    }
    if (keep != NULL) {
        if (mkdir(keep, 0700) != 0 && errno != EEXIST) {
            cli_errorf("demo: cannot make %s: %s", keep, strerror(errno));
            return CLI_FAIL;
        }
        snprintf(d.dir, sizeof d.dir, "%s", keep);
    } else {
        snprintf(d.dir, sizeof d.dir, "/tmp/2cvm-demo-XXXXXX");
        if (mkdtemp(d.dir) == NULL) {
            cli_errorf("demo: cannot make a temporary directory: %s", strerror(errno));
            return CLI_FAIL;
        }
    }
    d.t0 = now_s();
    printf("2cvm demo: two hospitals and a risk-model vendor run a joint computation in one\n"
           "confidential VM (SIMULATED here: the sim TEE, over loopback). Files: %s\n\n",
           d.dir);
    int rc = CLI_FAIL;
    char keydir[4096];
    path_in(&d, "keys", keydir, sizeof keydir);
    for (int i = 0; i < 3; i++) {
        tcvm_error_t err = {0};
        d.p[i].id = parties[i];
        if (tcvm_keygen_write(keydir, parties[i], true, &d.p[i].paths, &err) != TCVM_OK ||
            tcvm_sign_key_load(d.p[i].paths.sign_key, &d.p[i].key, &err) != TCVM_OK ||
            tcvm_age_identities_load(d.p[i].paths.age_identity, &d.p[i].ids, &d.p[i].nids,
                                     &err) != TCVM_OK) {
            cli_errorf("demo: %s", err.message);
            goto done;
        }
    }
    say(&d, "each party makes its keys: an Ed25519 signing key (identity, TLS) and an age "
            "identity (to receive outputs) -> %s",
        keydir);
    rc = act_one(&d);
    printf("\n");
    if (act_two(&d) != CLI_OK)
        rc = CLI_FAIL;
    printf("\n%s in %.1fs. %s\n", rc == CLI_OK ? "demo complete" : "demo FAILED",
           now_s() - d.t0,
           keep ? "Every file is kept in the directory above." : "(--keep DIR keeps the files)");
done:
    for (int i = 0; i < 3; i++) {
        tcvm_sign_key_destroy(d.p[i].key);
        tcvm_age_identities_free(d.p[i].ids, d.p[i].nids);
    }
    if (keep == NULL && nftw(d.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        cli_errorf("demo: could not remove %s", d.dir);
    return rc;
}
