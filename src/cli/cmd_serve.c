/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm serve`: the runtime inside the confidential VM. Boots the runtime (tcvm/host.h) from a
 * consent bundle and a TEE provider, which refuses to start unless the VM is bound to exactly
 * that manifest, then serves participants over HTTPS (tcvm/net.h) until SIGINT or SIGTERM.
 */
#include "cli/cli.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "tcvm/host.h"
#include "tcvm/net.h"
#include "tcvm/transcript.h"

static void serve_usage(FILE *out)
{
    fprintf(out,
            "usage: 2cvm serve BUNDLE --provider sev-snp|sim [options]\n\n"
            "Runs the agreement in BUNDLE (a consent bundle signed by every participant).\n"
            "  --provider sev-snp         the SEV-SNP guest interfaces of this VM\n"
            "  --provider sim             the software TEE (development and tests only), with\n"
            "    --sim-dir DIR            its key directory (created on first use)\n"
            "    --measurement HEX        the launch measurement it claims (96 hex digits)\n"
            "    --host-data HEX          the HOST_DATA it claims (64 hex digits); the host sets\n"
            "                             it to the manifest digest at launch\n"
            "  --tier auto|interp|aot     the engine tier of the job (default auto: ahead-of-time\n"
            "                             code when no component has a fuel limit and wasm2c and\n"
            "                             cc are present, else the interpreter, which meters fuel)\n"
            "  --listen ADDR:PORT         where to serve (default 127.0.0.1:8443; port 0 picks one)\n"
            "  --port-file FILE           write the port to FILE once listening\n"
            "  --exit-when-finished       stop serving N seconds after the job is DONE or FAILED\n"
            "                             (--linger N, default 0)\n"
            "  --quiet                    no log of requests\n"
            "Refuses to start when a consent is missing, HOST_DATA is not the manifest digest, or\n"
            "the measurement is not one the manifest accepts.\n");
}

static bool hex_exact(const char *opt, const char *hex, uint8_t *out, size_t size)
{
    if (strlen(hex) != size * 2 || !tcvm__hex_decode(hex, strlen(hex), out, size)) {
        cli_errorf("%s: want %zu hex digits", opt, size * 2);
        return false;
    }
    return true;
}

static void log_line(void *arg, const char *line)
{
    (void)arg;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char when[32];
    tcvm_transcript_format_time((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000, when);
    fprintf(stderr, "%s %s\n", when, line);
}

typedef struct watcher {
    tcvm_net_server_t *server;
    tcvm_host_t *host;
    sigset_t signals;
    bool exit_when_finished;
    unsigned linger_s;
    bool quiet;
    _Atomic bool stopping;
} watcher_t;

/* Waits for SIGINT/SIGTERM (blocked in every thread) and stops the server. */
static void *signal_thread(void *arg)
{
    watcher_t *w = arg;
    int sig = 0;
    sigwait(&w->signals, &sig);
    tcvm_net_server_stop(w->server);
    return NULL;
}

/* Reports the job's end and, with --exit-when-finished, stops the server after the linger. */
static void *job_watch_thread(void *arg)
{
    watcher_t *w = arg;
    tcvm_host_state_t s;
    while ((s = tcvm_host_wait(w->host, 200)) != TCVM_HOST_DONE && s != TCVM_HOST_FAILED) {
        if (w->stopping)
            return NULL;
    }
    char failure[TCVM_ERROR_MSG_SIZE];
    tcvm_host_failure(w->host, failure, sizeof failure);
    char line[TCVM_ERROR_MSG_SIZE + 32];
    snprintf(line, sizeof line, "job %s%s%.480s", tcvm_host_state_name(s), failure[0] ? ": " : "",
             failure);
    log_line(NULL, line);
    if (w->exit_when_finished) {
        for (unsigned i = 0; i < w->linger_s * 10 && !w->stopping; i++) {
            struct timespec d = {0, 100000000L};
            nanosleep(&d, NULL);
        }
        tcvm_net_server_stop(w->server);
    }
    return NULL;
}

int cli_cmd_serve(int argc, char **argv)
{
    const char *bundle_path = NULL, *provider = NULL, *listen = "127.0.0.1:8443";
    const char *port_file = NULL;
    bool quiet = false, exit_when_finished = false;
    uint64_t linger = 0;
    tcvm_host_tier_t tier = TCVM_HOST_TIER_AUTO;
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            serve_usage(stdout);
            return CLI_OK;
        } else if ((v = cli_option(argc, argv, &i, "--provider", &missing))) {
            provider = v;
        } else if ((v = cli_option(argc, argv, &i, "--tier", &missing))) {
            if (strcmp(v, "auto") == 0) {
                tier = TCVM_HOST_TIER_AUTO;
            } else if (strcmp(v, "interp") == 0) {
                tier = TCVM_HOST_TIER_INTERP;
            } else if (strcmp(v, "aot") == 0) {
                tier = TCVM_HOST_TIER_AOT;
            } else {
                cli_errorf("--tier: want auto, interp or aot, not '%s'", v);
                return CLI_USAGE;
            }
        } else if ((v = cli_option(argc, argv, &i, "--sim-dir", &missing))) {
            cfg.sim_dir = v;
        } else if ((v = cli_option(argc, argv, &i, "--measurement", &missing))) {
            if (!hex_exact("--measurement", v, cfg.sim_measurement, 48))
                return CLI_USAGE;
        } else if ((v = cli_option(argc, argv, &i, "--host-data", &missing))) {
            if (!hex_exact("--host-data", v, cfg.sim_host_data, 32))
                return CLI_USAGE;
        } else if ((v = cli_option(argc, argv, &i, "--listen", &missing))) {
            listen = v;
        } else if ((v = cli_option(argc, argv, &i, "--port-file", &missing))) {
            port_file = v;
        } else if ((v = cli_option(argc, argv, &i, "--linger", &missing))) {
            if (!cli_parse_u64(v, &linger) || linger > 3600) {
                cli_errorf("--linger: want seconds, at most 3600");
                return CLI_USAGE;
            }
        } else if (missing) {
            return CLI_USAGE;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(argv[i], "--exit-when-finished") == 0) {
            exit_when_finished = true;
        } else if (argv[i][0] == '-') {
            cli_errorf("serve: unknown option '%s'", argv[i]);
            serve_usage(stderr);
            return CLI_USAGE;
        } else if (bundle_path == NULL) {
            bundle_path = argv[i];
        } else {
            cli_errorf("serve: one BUNDLE only");
            return CLI_USAGE;
        }
    }
    if (bundle_path == NULL || provider == NULL) {
        serve_usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(provider, "sim") == 0 && cfg.sim_dir == NULL) {
        cli_errorf("serve: --provider sim needs --sim-dir");
        return CLI_USAGE;
    }
    char addr[256];
    const char *colon = strrchr(listen, ':');
    uint64_t port = 0;
    if (colon == NULL || (size_t)(colon - listen) >= sizeof addr || colon == listen ||
        !cli_parse_u64(colon + 1, &port) || port > 65535) {
        cli_errorf("--listen: want ADDRESS:PORT, e.g. 127.0.0.1:8443");
        return CLI_USAGE;
    }
    memcpy(addr, listen, (size_t)(colon - listen));
    addr[colon - listen] = '\0';

    /* Signals are taken by one thread only; block them before any thread starts. */
    watcher_t w = {.exit_when_finished = exit_when_finished, .linger_s = (unsigned)linger,
                   .quiet = quiet};
    sigemptyset(&w.signals);
    sigaddset(&w.signals, SIGINT);
    sigaddset(&w.signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &w.signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    uint8_t *bundle = NULL;
    size_t bundle_size = 0;
    tcvm_error_t err = {0};
    tcvm_attest_provider_t *p = NULL;
    tcvm_host_t *host = NULL;
    tcvm_net_server_t *server = NULL;
    int rc = CLI_FAIL;
    if (tcvm__read_file(bundle_path, TCVM_BUNDLE_MAX_SIZE, &bundle, &bundle_size, &err) !=
            TCVM_OK ||
        tcvm_attest_provider_open(provider, &cfg, &p, &err) != TCVM_OK) {
        cli_errorf("serve: %s", err.message);
        goto done;
    }
    tcvm_status_t st = tcvm_host_create(bundle, bundle_size, p, &host, &err);
    p = NULL; /* the runtime owns the provider now, or has destroyed it */
    if (st != TCVM_OK) {
        cli_errorf("serve: %s", err.message);
        goto done;
    }
    if (tier != TCVM_HOST_TIER_AUTO && tcvm_host_set_tier(host, tier, &err) != TCVM_OK) {
        cli_errorf("serve: %s", err.message);
        goto done;
    }
    if (tcvm_net_server_new(host, addr, (uint16_t)port, quiet ? NULL : log_line, NULL, &server,
                            &err) != TCVM_OK) {
        cli_errorf("serve: %s", err.message);
        goto done;
    }
    const tcvm_manifest_t *m = tcvm_host_manifest(host);
    uint8_t pub[TCVM_SIGN_PUBLIC_SIZE];
    char pub_text[TCVM_SIGN_PUBLIC_TEXT_SIZE], digest[65];
    tcvm_sign_key_public(tcvm_host_key(host), pub);
    tcvm_sign_public_format(pub, pub_text);
    tcvm__hex_encode(m->digest, 32, digest, sizeof digest);
    printf("2cvm runtime: locked to manifest \"%s\" sha256:%s\n", m->name, digest);
    printf("runtime key %s\n", pub_text);
    printf("job tier: %s\n", tcvm_host_tier(host) == TCVM_TIER_AOT
                                  ? "aot (ahead-of-time compiled)"
                                  : "interp (interpreter, fuel metered)");
    printf("listening on https://%s:%u (TLS 1.3, participants only), state %s\n", addr,
           (unsigned)tcvm_net_server_port(server), tcvm_host_state_name(tcvm_host_state(host)));
    fflush(stdout);
    if (port_file != NULL) {
        FILE *f = fopen(port_file, "w");
        if (f == NULL || fprintf(f, "%u\n", (unsigned)tcvm_net_server_port(server)) < 0 ||
            fclose(f) != 0) {
            cli_errorf("serve: cannot write %s: %s", port_file, strerror(errno));
            goto done;
        }
    }
    w.server = server;
    w.host = host;
    pthread_t sig_thread, watch_thread;
    if (pthread_create(&sig_thread, NULL, signal_thread, &w) != 0) {
        cli_errorf("serve: cannot start threads");
        goto done;
    }
    if (pthread_create(&watch_thread, NULL, job_watch_thread, &w) != 0) {
        pthread_cancel(sig_thread);
        pthread_join(sig_thread, NULL);
        cli_errorf("serve: cannot start threads");
        goto done;
    }
    rc = tcvm_net_server_run(server) == TCVM_OK ? CLI_OK : CLI_FAIL;
    w.stopping = true;
    pthread_cancel(sig_thread);
    pthread_join(sig_thread, NULL);
    pthread_join(watch_thread, NULL);
    printf("stopped; state %s\n", tcvm_host_state_name(tcvm_host_state(host)));
done:
    tcvm_net_server_destroy(server);
    tcvm_host_destroy(host);
    tcvm_attest_provider_destroy(p);
    tcvm__free(bundle);
    return rc;
}
