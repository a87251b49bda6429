/* SPDX-License-Identifier: Apache-2.0 */
/*
 * In-process load on a running `2cvm serve` (bench/run-load --in-process): THREADS threads, each
 * running SESSIONS client sessions of the library (tcvm/net.h): a TLS 1.3 handshake with the
 * participant's certificate, evidence for a fresh nonce verified against the manifest, then
 * REQUESTS status requests on the same connection. Without process start-up in the way, this
 * measures the runtime itself. Prints the counts, rates and latency percentiles; exits 1 if any
 * session or request failed.
 * Usage: load_client URL BUNDLE KEYDIR THREADS SESSIONS REQUESTS
 */
#define _GNU_SOURCE /* memmem */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcvm/manifest.h"
#include "tcvm/net.h"

typedef struct worker {
    int index;
    const char *url, *keydir;
    const tcvm_manifest_t *m;
    int sessions, requests;
    double *verify_ms, *status_ms; /* sessions, sessions * requests */
    int failed;
} worker_t;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *work(void *arg)
{
    worker_t *w = arg;
    static const char *const who[3] = {"hospital-a", "hospital-b", "vendor"};
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.sign.pem", w->keydir, who[w->index % 3]);
    tcvm_sign_key_t *key;
    tcvm_error_t err;
    if (tcvm_sign_key_load(path, &key, &err) != TCVM_OK) {
        fprintf(stderr, "%s\n", err.message);
        w->failed = w->sessions * (w->requests + 1);
        return NULL;
    }
    for (int s = 0; s < w->sessions; s++) {
        tcvm_net_client_config_t cfg = {.url = w->url, .manifest = w->m, .key = key,
                                        .allow_simulated = true, .timeout_ms = 120000};
        tcvm_net_client_t *c = NULL;
        double t0 = now_ms();
        if (tcvm_net_client_new(&cfg, &c, &err) != TCVM_OK ||
            tcvm_net_client_verify(c, NULL, NULL, NULL) != TCVM_OK) {
            fprintf(stderr, "session: %s\n", c ? tcvm_net_client_error(c)->message : err.message);
            w->failed += 1 + w->requests;
            tcvm_net_client_destroy(c);
            continue;
        }
        w->verify_ms[s] = now_ms() - t0;
        for (int r = 0; r < w->requests; r++) {
            long code = 0;
            uint8_t *body = NULL;
            size_t size = 0;
            double t1 = now_ms();
            if (tcvm_net_client_request(c, "GET", "/v1/status", NULL, 0, NULL, &code, &body,
                                        &size) != TCVM_OK ||
                code != 200 || memmem(body, size, "\"state\":", 8) == NULL)
                w->failed++;
            w->status_ms[s * w->requests + r] = now_ms() - t1;
            tcvm_seal_free(body);
        }
        if (tcvm_net_client_handshakes(c) != 1)
            w->failed++;
        tcvm_net_client_destroy(c);
    }
    tcvm_sign_key_destroy(key);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)((double)n * p / 100.0);
    return v[i >= n ? n - 1 : i];
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: load_client URL BUNDLE KEYDIR THREADS SESSIONS REQUESTS\n");
        return 2;
    }
    int threads = (int)strtol(argv[4], NULL, 10), sessions = (int)strtol(argv[5], NULL, 10);
    int requests = (int)strtol(argv[6], NULL, 10);
    if (threads < 1 || sessions < 1 || requests < 0 || threads > 1000) {
        fprintf(stderr, "load_client: bad counts\n");
        return 2;
    }
    tcvm_bundle_t *b;
    tcvm_error_t err;
    if (tcvm_bundle_load(argv[2], &b, &err) != TCVM_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    worker_t *w = calloc((size_t)threads, sizeof *w);
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    size_t nv = (size_t)threads * (size_t)sessions, ns = nv * (size_t)requests;
    double *verify = calloc(nv, sizeof *verify), *status = calloc(ns ? ns : 1, sizeof *status);
    double start = now_ms();
    for (int i = 0; i < threads; i++) {
        w[i] = (worker_t){i, argv[1], argv[3], tcvm_bundle_manifest(b), sessions, requests,
                          verify + (size_t)i * sessions, status + (size_t)i * sessions * requests,
                          0};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    int failed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        failed += w[i].failed;
    }
    double secs = (now_ms() - start) / 1e3;
    qsort(verify, nv, sizeof *verify, cmp);
    qsort(status, ns, sizeof *status, cmp);
    printf("in-process: %d threads x %d sessions x (verify + %d status) in %.2fs\n", threads,
           sessions, requests, secs);
    printf("sessions: %zu (%.1f/s): handshake + evidence + verification, ms p50 %.1f p95 %.1f "
           "max %.1f\n",
           nv, (double)nv / secs, pct(verify, nv, 50), pct(verify, nv, 95), pct(verify, nv, 100));
    printf("status requests: %zu (%.1f/s) on the verified sessions, ms p50 %.1f p95 %.1f max "
           "%.1f\n",
           ns, (double)ns / secs, pct(status, ns, 50), pct(status, ns, 95), pct(status, ns, 100));
    printf("failed: %d\n", failed);
    free(w);
    free(t);
    free(verify);
    free(status);
    tcvm_bundle_destroy(b);
    return failed ? 1 : 0;
}
