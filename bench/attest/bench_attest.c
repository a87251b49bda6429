/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attestation benchmark: verifications per second of a real SEV-SNP report with its VCEK and
 * AMD chain (from the shared test data), and of a report of the sim TEE (its chain carried in
 * the evidence). "full" is what a participant does for one piece of evidence: a new verifier,
 * certificates parsed, every check run. "prepared" reuses a verifier whose certificates are
 * already parsed (the chain and report checks still run in full each time).
 * Usage: bench_attest SHARED_DIR [SECONDS_PER_CASE]
 */
#include "base/base.h"
#include "tcvm/attest.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *path, size_t *size)
{
    uint8_t *data;
    tcvm_error_t err;
    if (tcvm__read_file(path, 1 << 20, &data, size, &err) != TCVM_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        exit(1);
    }
    return data;
}

typedef struct bench_case {
    const char *name;
    tcvm_attest_evidence_t *ev;
    tcvm_attest_policy_t policy;
    const uint8_t *certs[2];
    size_t cert_sizes[2];
} bench_case_t;

static bool verify_full(const bench_case_t *c)
{
    tcvm_attest_verifier_t *v;
    if (tcvm_attest_verifier_new(&c->policy, &v) != TCVM_OK)
        return false;
    for (int i = 0; i < 2; i++) {
        if (c->certs[i] != NULL && tcvm_attest_verifier_add_certs(v, c->certs[i],
                                                                  c->cert_sizes[i]) != TCVM_OK)
            return false;
    }
    tcvm_attest_result_t res;
    bool ok = tcvm_attest_verifier_verify(v, c->ev, &res) == TCVM_OK;
    if (!ok)
        fprintf(stderr, "bench: %s: %s: %s\n", c->name, res.check, res.message);
    tcvm_attest_verifier_destroy(v);
    return ok;
}

static void run(const bench_case_t *c, double seconds)
{
    if (!verify_full(c)) {
        printf("%-34s FAILED to verify\n", c->name);
        return;
    }
    double start = now(), end;
    long n = 0;
    do {
        for (int k = 0; k < 10; k++)
            n += verify_full(c);
        end = now();
    } while (end - start < seconds);
    printf("%-34s full      %8.0f verifications/s  (%.3f ms each, %ld runs)\n", c->name,
           (double)n / (end - start), 1e3 * (end - start) / (double)n, n);
    tcvm_attest_verifier_t *v;
    tcvm_attest_verifier_new(&c->policy, &v);
    for (int i = 0; i < 2; i++) {
        if (c->certs[i] != NULL)
            tcvm_attest_verifier_add_certs(v, c->certs[i], c->cert_sizes[i]);
    }
    tcvm_attest_result_t res;
    start = now();
    n = 0;
    do {
        for (int k = 0; k < 10; k++)
            n += tcvm_attest_verifier_verify(v, c->ev, &res) == TCVM_OK;
        end = now();
    } while (end - start < seconds);
    printf("%-34s prepared  %8.0f verifications/s  (%.3f ms each, %ld runs)\n", c->name,
           (double)n / (end - start), 1e3 * (end - start) / (double)n, n);
    tcvm_attest_verifier_destroy(v);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_attest SHARED_DIR [SECONDS_PER_CASE]\n");
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    char path[4096];
    tcvm_error_t err;
    printf("2cvm %s attestation benchmark, %.1f s per case\n", tcvm_version(), seconds);

    /* real: the Genoa (Siena) v3 report with its VCEK and the Genoa ASK + ARK */
    static const struct {
        const char *name, *report, *vek, *chain;
        bool debug;
    } real[] = {
        {"real Genoa v3 report + VCEK chain", "trustee/derived/e2e-evidence-report.bin",
         "trustee/derived/e2e-evidence-vcek.der", "go-sev-guest/ask_ark_genoa.pem", false},
        {"real Milan v2 report + VCEK chain", "go-sev-guest/attestation.bin",
         "go-sev-guest/vcek.testcer", "go-sev-guest/ask_ark_milan.pem", true},
    };
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        snprintf(path, sizeof path, "%s/testdata/snp/%s", argv[1], real[i].report);
        if (access(path, R_OK) != 0) {
            printf("%-34s SKIPPED (shared test data absent: %s)\n", real[i].name, path);
            continue;
        }
        bench_case_t c = {.name = real[i].name};
        size_t size;
        uint8_t *data = slurp(path, &size);
        if (tcvm_attest_evidence_load(data, size, &c.ev, NULL, &err) != TCVM_OK)
            return 1;
        free(data);
        snprintf(path, sizeof path, "%s/testdata/snp/%s", argv[1], real[i].vek);
        c.certs[0] = slurp(path, &c.cert_sizes[0]);
        snprintf(path, sizeof path, "%s/testdata/snp/%s", argv[1], real[i].chain);
        c.certs[1] = slurp(path, &c.cert_sizes[1]);
        tcvm_attest_policy_init(&c.policy, 1748736000); /* 2025-06-01 */
        c.policy.allow_debug = real[i].debug;
        run(&c, seconds);
        tcvm_attest_evidence_destroy(c.ev);
        free((void *)c.certs[0]);
        free((void *)c.certs[1]);
    }

    /* sim: a fresh key directory, evidence carrying the sim chain */
    char dir[] = "/tmp/tcvm-bench-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/keys", dir);
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    cfg.sim_dir = path;
    tcvm_attest_provider_t *p;
    uint8_t rd[64] = {1};
    bench_case_t c = {.name = "sim Genoa v5 report + sim chain"};
    if (tcvm_attest_provider_open("sim", &cfg, &p, &err) != TCVM_OK ||
        tcvm_attest_provider_get(p, rd, &c.ev, &err) != TCVM_OK) {
        fprintf(stderr, "bench: sim: %s\n", err.message);
        return 1;
    }
    double start = now(), end;
    long n = 0;
    do {
        tcvm_attest_evidence_t *ev;
        n += tcvm_attest_provider_get(p, rd, &ev, &err) == TCVM_OK;
        tcvm_attest_evidence_destroy(ev);
        end = now();
    } while (end - start < seconds);
    printf("%-34s generate  %8.0f reports/s        (%.3f ms each, %ld runs)\n", "sim provider",
           (double)n / (end - start), 1e3 * (end - start) / (double)n, n);
    tcvm_attest_provider_destroy(p);
    tcvm_attest_policy_init(&c.policy, (int64_t)time(NULL));
    c.policy.allow_simulated = true;
    run(&c, seconds);
    tcvm_attest_evidence_destroy(c.ev);
    static const char *const files[] = {".lock", "ark.key", "ask.key", "vcek.key", "ark.pem",
                                        "ask.pem"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char f[4200];
        snprintf(f, sizeof f, "%s/keys/%s", dir, files[i]);
        unlink(f);
    }
    rmdir(path);
    rmdir(dir);
    return 0;
}
