/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `2cvm attest`: get evidence inside a guest (report), print every field of evidence or a report
 * (show), and verify evidence against AMD's pinned roots and a policy given by options or by a
 * manifest's runtime section (verify). Argument handling only; the work is in src/attest.
 */
#include "cli/cli.h"

#include "base/base.h"
#include "tcvm/attest.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void attest_usage(FILE *out)
{
    fprintf(out,
            "usage:\n"
            "  2cvm attest report --provider sim|sev-snp --report-data HEX [--out FILE]\n"
            "        sim:     [--sim-dir DIR] [--measurement HEX] [--host-data HEX]\n"
            "                 [--guest-policy HEX] [--tcb bl=N,tee=N,snp=N,ucode=N[,fmc=N]]\n"
            "                 [--product milan|genoa|turin]\n"
            "        sev-snp: [--tsm-root DIR] [--tsm-entry NAME] [--device PATH] [--vmpl N]\n"
            "  2cvm attest show FILE [--vcek F] [--json]\n"
            "  2cvm attest verify FILE [--vcek F] [--chain F] [--certs DIR] [--at TIME]\n"
            "        [--measurement HEX]... [--host-data HEX] [--report-data HEX]\n"
            "        [--chip-id HEX]... [--min-tcb bl=N,tee=N,snp=N,ucode=N[,fmc=N]]\n"
            "        [--min-abi MAJOR.MINOR] [--allow-debug] [--allow-migration-agent]\n"
            "        [--disallow-smt] [--allow-simulated] [--runtime FILE]\n"
            "\n"
            "FILE is 2cvm evidence, a raw 1184-byte report, a report in hex, or an Azure HCL\n"
            "report. HEX for --report-data may be shorter than 64 bytes; it is padded with zeros.\n"
            "TIME is YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @SECONDS (default: now). --runtime reads\n"
            "a manifest (or its runtime object) and applies its runtime section to the policy.\n"
            "verify exits 0 when the evidence verifies; otherwise 1 with one line naming the\n"
            "check that failed.\n");
}

static bool read_whole(const char *path, uint8_t **data, size_t *size)
{
    tcvm_error_t err;
    if (tcvm__read_file(path, TCVM_ATTEST_MAX_EVIDENCE_SIZE, data, size, &err) != TCVM_OK) {
        cli_errorf("%s", err.message);
        return false;
    }
    return true;
}

/* Exactly size bytes of hex. */
static bool parse_hex_exact(const char *opt, const char *hex, uint8_t *out, size_t size)
{
    if (!tcvm__hex_decode(hex, strlen(hex), out, size)) {
        cli_errorf("%s: want %zu hex digits", opt, size * 2);
        return false;
    }
    return true;
}

/* At most size bytes of hex, zero-padded on the right. */
static bool parse_hex_padded(const char *opt, const char *hex, uint8_t *out, size_t size)
{
    size_t n = strlen(hex);
    memset(out, 0, size);
    if (n % 2 != 0 || n > size * 2 || !tcvm__hex_decode(hex, n, out, n / 2)) {
        cli_errorf("%s: want an even number of hex digits, at most %zu", opt, size * 2);
        return false;
    }
    return true;
}

static bool parse_tcb(const char *opt, const char *s, tcvm_snp_tcb_t *t)
{
    memset(t, 0, sizeof *t);
    char buf[128];
    if (strlen(s) >= sizeof buf)
        goto bad;
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    int seen = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        uint64_t v;
        if (eq == NULL || !cli_parse_u64(eq + 1, &v) || v > 255)
            goto bad;
        *eq = '\0';
        if (strcmp(tok, "bl") == 0)
            t->bootloader = (uint8_t)v, seen |= 1;
        else if (strcmp(tok, "tee") == 0)
            t->tee = (uint8_t)v, seen |= 2;
        else if (strcmp(tok, "snp") == 0)
            t->snp = (uint8_t)v, seen |= 4;
        else if (strcmp(tok, "ucode") == 0)
            t->microcode = (uint8_t)v, seen |= 8;
        else if (strcmp(tok, "fmc") == 0)
            t->fmc = (uint8_t)v, t->has_fmc = true;
        else
            goto bad;
    }
    if (seen == 15)
        return true;
bad:
    cli_errorf("%s: want bl=N,tee=N,snp=N,ucode=N[,fmc=N] with N in 0..255", opt);
    return false;
}

static bool parse_time(const char *s, int64_t *out)
{
    uint64_t secs;
    if (s[0] == '@' && cli_parse_u64(s + 1, &secs) && secs <= INT64_MAX) {
        *out = (int64_t)secs;
        return true;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int used = 0, fields;
    size_t len = strlen(s);
    /* a date alone is midnight UTC */
    if (len == 10)
        fields = sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &used) == 3;
    else
        fields = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                        &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) == 6;
    if (!fields || (size_t)used != len || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
        cli_errorf("--at: want YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @SECONDS, got \"%s\"", s);
        return false;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm);
    return true;
}

static bool parse_product(const char *s, tcvm_snp_product_t *out)
{
    if (strcmp(s, "milan") == 0)
        *out = TCVM_SNP_PRODUCT_MILAN;
    else if (strcmp(s, "genoa") == 0)
        *out = TCVM_SNP_PRODUCT_GENOA;
    else if (strcmp(s, "turin") == 0)
        *out = TCVM_SNP_PRODUCT_TURIN;
    else {
        cli_errorf("--product: want milan, genoa or turin");
        return false;
    }
    return true;
}

/* The default key directory of the sim provider: $XDG_STATE_HOME/2cvm/sim or
 * ~/.local/state/2cvm/sim (the provider creates it). */
static bool default_sim_dir(char *out, size_t size)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (state != NULL && state[0] == '/')
        snprintf(out, size, "%s/2cvm/sim", state);
    else if (home != NULL && home[0] == '/')
        snprintf(out, size, "%s/.local/state/2cvm/sim", home);
    else
        return false;
    return true;
}

static int cmd_report(int argc, char **argv)
{
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    const char *provider = NULL, *out = NULL, *rd = NULL;
    char sim_dir[4096];
    bool missing = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        uint64_t n;
        if ((v = cli_option(argc, argv, &i, "--provider", &missing)))
            provider = v;
        else if ((v = cli_option(argc, argv, &i, "--report-data", &missing)))
            rd = v;
        else if ((v = cli_option(argc, argv, &i, "--out", &missing)))
            out = v;
        else if ((v = cli_option(argc, argv, &i, "--sim-dir", &missing)))
            cfg.sim_dir = v;
        else if ((v = cli_option(argc, argv, &i, "--measurement", &missing))) {
            if (!parse_hex_exact("--measurement", v, cfg.sim_measurement, 48))
                return CLI_USAGE;
        } else if ((v = cli_option(argc, argv, &i, "--host-data", &missing))) {
            if (!parse_hex_exact("--host-data", v, cfg.sim_host_data, 32))
                return CLI_USAGE;
        } else if ((v = cli_option(argc, argv, &i, "--guest-policy", &missing))) {
            char *end;
            cfg.sim_policy = strtoull(v, &end, 16);
            if (*v == '\0' || *end != '\0') {
                cli_errorf("--guest-policy: want a hex number such as 30000");
                return CLI_USAGE;
            }
        } else if ((v = cli_option(argc, argv, &i, "--tcb", &missing))) {
            if (!parse_tcb("--tcb", v, &cfg.sim_tcb))
                return CLI_USAGE;
        } else if ((v = cli_option(argc, argv, &i, "--product", &missing))) {
            if (!parse_product(v, &cfg.sim_product))
                return CLI_USAGE;
        } else if ((v = cli_option(argc, argv, &i, "--tsm-root", &missing)))
            cfg.tsm_root = v;
        else if ((v = cli_option(argc, argv, &i, "--tsm-entry", &missing)))
            cfg.tsm_entry = v;
        else if ((v = cli_option(argc, argv, &i, "--device", &missing)))
            cfg.device = v;
        else if ((v = cli_option(argc, argv, &i, "--vmpl", &missing))) {
            if (!cli_parse_u64(v, &n) || n > 3) {
                cli_errorf("--vmpl: want 0..3");
                return CLI_USAGE;
            }
            cfg.set_vmpl = true;
            cfg.vmpl = (uint32_t)n;
        } else {
            if (!missing)
                cli_errorf("attest report: unknown argument '%s'", argv[i]);
            attest_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (missing)
        return CLI_USAGE;
    if (provider == NULL || rd == NULL) {
        cli_errorf("attest report: --provider and --report-data are required");
        attest_usage(stderr);
        return CLI_USAGE;
    }
    uint8_t report_data[TCVM_SNP_REPORT_DATA_SIZE];
    if (!parse_hex_padded("--report-data", rd, report_data, sizeof report_data))
        return CLI_USAGE;
    if (strcmp(provider, "sim") == 0 && cfg.sim_dir == NULL) {
        if (!default_sim_dir(sim_dir, sizeof sim_dir)) {
            cli_errorf("attest report: no HOME for the sim keys; give --sim-dir");
            return CLI_USAGE;
        }
        cfg.sim_dir = sim_dir;
    }
    if (out == NULL && isatty(STDOUT_FILENO)) {
        cli_errorf("attest report: evidence is binary; give --out FILE or redirect stdout");
        return CLI_USAGE;
    }
    tcvm_error_t err;
    tcvm_attest_provider_t *p;
    if (tcvm_attest_provider_open(provider, &cfg, &p, &err) != TCVM_OK) {
        cli_errorf("attest report: %s", err.message);
        return err.status == TCVM_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    tcvm_attest_evidence_t *ev;
    tcvm_status_t st = tcvm_attest_provider_get(p, report_data, &ev, &err);
    const char *iface = tcvm_attest_provider_interface(p);
    tcvm_attest_provider_destroy(p);
    if (st != TCVM_OK) {
        cli_errorf("attest report: %s", err.message);
        return CLI_FAIL;
    }
    uint8_t *data;
    size_t size;
    st = tcvm_attest_evidence_encode(ev, &data, &size);
    size_t certs = tcvm_attest_evidence_cert_count(ev);
    tcvm_attest_tee_t tee = tcvm_attest_evidence_tee(ev);
    tcvm_attest_evidence_destroy(ev);
    if (st != TCVM_OK) {
        cli_errorf("attest report: cannot encode the evidence: %s", tcvm_status_message(st));
        return CLI_FAIL;
    }
    FILE *f = out ? fopen(out, "wb") : stdout;
    bool ok = f != NULL && fwrite(data, 1, size, f) == size;
    if (f != NULL && f != stdout)
        ok = (fclose(f) == 0) && ok;
    else if (f == stdout)
        ok = (fflush(stdout) == 0) && ok;
    free(data);
    if (!ok) {
        cli_errorf("attest report: cannot write %s", out ? out : "stdout");
        return CLI_FAIL;
    }
    fprintf(stderr, "2cvm: evidence (%s, %zu certificates, from %s) written to %s\n",
            tcvm_attest_tee_name(tee), certs, iface, out ? out : "stdout");
    return CLI_OK;
}

static int cmd_show(int argc, char **argv)
{
    const char *file = NULL, *vek = NULL;
    bool json = false, missing = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = cli_option(argc, argv, &i, "--vcek", &missing)))
            vek = v;
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] != '-' && file == NULL)
            file = argv[i];
        else {
            if (!missing)
                cli_errorf("attest show: unknown argument '%s'", argv[i]);
            attest_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (missing || file == NULL) {
        attest_usage(stderr);
        return CLI_USAGE;
    }
    uint8_t *data, *certs = NULL;
    size_t size, certs_size = 0;
    if (!read_whole(file, &data, &size))
        return CLI_FAIL;
    if (vek != NULL && !read_whole(vek, &certs, &certs_size)) {
        free(data);
        return CLI_FAIL;
    }
    tcvm_error_t err;
    tcvm_attest_evidence_t *ev;
    const char *form = NULL;
    tcvm_status_t st = tcvm_attest_evidence_load(data, size, &ev, &form, &err);
    free(data);
    char *text = NULL;
    if (st == TCVM_OK) {
        st = tcvm_attest_evidence_describe(ev, certs, certs_size, json, &text, &err);
        tcvm_attest_evidence_destroy(ev);
    }
    free(certs);
    if (st != TCVM_OK) {
        cli_errorf("%s: %s", file, err.message);
        return CLI_FAIL;
    }
    if (!json)
        printf("%-19s %s\n", "file", form);
    fputs(text, stdout);
    free(text);
    return CLI_OK;
}

static bool add_cert_file(tcvm_attest_verifier_t *v, const char *opt, const char *path)
{
    uint8_t *data;
    size_t size;
    if (!read_whole(path, &data, &size))
        return false;
    tcvm_status_t st = tcvm_attest_verifier_add_certs(v, data, size);
    free(data);
    if (st != TCVM_OK) {
        cli_errorf("%s %s: %s", opt, path, tcvm_attest_verifier_error(v)->message);
        return false;
    }
    return true;
}

static void print_ok(const tcvm_attest_result_t *res)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } skipped[] = {
        {TCVM_ATTEST_SKIPPED_MEASUREMENT, "measurement"},
        {TCVM_ATTEST_SKIPPED_HOST_DATA, "host_data"},
        {TCVM_ATTEST_SKIPPED_REPORT_DATA, "report_data"},
        {TCVM_ATTEST_SKIPPED_MIN_TCB, "min_tcb"},
        {TCVM_ATTEST_SKIPPED_POLICY_ABI, "policy_abi"},
        {TCVM_ATTEST_SKIPPED_CHIP_ID, "chip_id"},
    };
    printf("OK %s%s %s report v%u signed by the %s", res->simulated ? "SIMULATED " : "",
           res->simulated ? "sim" : "sev-snp", tcvm_snp_product_name(res->product),
           res->report.version, res->signer == TCVM_ATTEST_SIGNER_VLEK ? "VLEK" : "VCEK");
    bool first = true;
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++) {
        if (res->not_checked & skipped[i].bit) {
            printf("%s%s", first ? "; not checked (nothing expected): " : ", ", skipped[i].name);
            first = false;
        }
    }
    printf("\n");
}

static int cmd_verify(int argc, char **argv)
{
    tcvm_attest_policy_t *p = calloc(1, sizeof *p);
    if (p == NULL) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    tcvm_attest_policy_init(p, (int64_t)time(NULL));
    const char *file = NULL, *runtime = NULL;
    const char *vceks[8], *chains[8], *dirs[8];
    size_t nvcek = 0, nchain = 0, ndir = 0, nmeas = 0, nchip = 0;
    uint8_t (*meas)[48] = calloc(TCVM_ATTEST_MAX_MEASUREMENTS, 48);
    uint8_t (*chips)[64] = calloc(TCVM_ATTEST_MAX_CHIP_IDS, 64);
    bool missing = false, has_host = false, has_rd = false, has_tcb = false, has_abi = false;
    bool allow_sim = false, allow_debug = false, allow_ma = false, no_smt = false;
    uint8_t host[32], rd[64];
    tcvm_snp_tcb_t min_tcb;
    unsigned abi_major = 0, abi_minor = 0;
    int rc = CLI_USAGE;
    if (meas == NULL || chips == NULL) {
        cli_errorf("out of memory");
        rc = CLI_FAIL;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = cli_option(argc, argv, &i, "--vcek", &missing))) {
            if (nvcek == 8)
                goto too_many;
            vceks[nvcek++] = v;
        } else if ((v = cli_option(argc, argv, &i, "--chain", &missing))) {
            if (nchain == 8)
                goto too_many;
            chains[nchain++] = v;
        } else if ((v = cli_option(argc, argv, &i, "--certs", &missing))) {
            if (ndir == 8)
                goto too_many;
            dirs[ndir++] = v;
        } else if ((v = cli_option(argc, argv, &i, "--at", &missing))) {
            if (!parse_time(v, &p->verify_time))
                goto out;
        } else if ((v = cli_option(argc, argv, &i, "--measurement", &missing))) {
            if (nmeas == TCVM_ATTEST_MAX_MEASUREMENTS)
                goto too_many;
            if (!parse_hex_exact("--measurement", v, meas[nmeas++], 48))
                goto out;
        } else if ((v = cli_option(argc, argv, &i, "--chip-id", &missing))) {
            if (nchip == TCVM_ATTEST_MAX_CHIP_IDS)
                goto too_many;
            if (!parse_hex_exact("--chip-id", v, chips[nchip++], 64))
                goto out;
        } else if ((v = cli_option(argc, argv, &i, "--host-data", &missing))) {
            if (!parse_hex_exact("--host-data", v, host, 32))
                goto out;
            has_host = true;
        } else if ((v = cli_option(argc, argv, &i, "--report-data", &missing))) {
            if (!parse_hex_padded("--report-data", v, rd, 64))
                goto out;
            has_rd = true;
        } else if ((v = cli_option(argc, argv, &i, "--min-tcb", &missing))) {
            if (!parse_tcb("--min-tcb", v, &min_tcb))
                goto out;
            has_tcb = true;
        } else if ((v = cli_option(argc, argv, &i, "--min-abi", &missing))) {
            int used = 0;
            if (sscanf(v, "%3u.%3u%n", &abi_major, &abi_minor, &used) != 2 ||
                (size_t)used != strlen(v) || abi_major > 255 || abi_minor > 255) {
                cli_errorf("--min-abi: want MAJOR.MINOR");
                goto out;
            }
            has_abi = true;
        } else if ((v = cli_option(argc, argv, &i, "--runtime", &missing))) {
            runtime = v;
        } else if (strcmp(argv[i], "--allow-simulated") == 0) {
            allow_sim = true;
        } else if (strcmp(argv[i], "--allow-debug") == 0) {
            allow_debug = true;
        } else if (strcmp(argv[i], "--allow-migration-agent") == 0) {
            allow_ma = true;
        } else if (strcmp(argv[i], "--disallow-smt") == 0) {
            no_smt = true;
        } else if (argv[i][0] != '-' && file == NULL && !missing) {
            file = argv[i];
        } else {
            if (!missing)
                cli_errorf("attest verify: unknown argument '%s'", argv[i]);
            attest_usage(stderr);
            goto out;
        }
    }
    if (missing || file == NULL) {
        attest_usage(stderr);
        goto out;
    }
    rc = CLI_FAIL;
    tcvm_error_t err;
    if (runtime != NULL) {
        uint8_t *json;
        size_t json_size;
        if (!read_whole(runtime, &json, &json_size))
            goto out;
        tcvm_status_t st =
            tcvm_attest_policy_apply_runtime_json(p, (const char *)json, json_size, &err);
        free(json);
        if (st != TCVM_OK) {
            cli_errorf("--runtime %s: %s", runtime, err.message);
            rc = CLI_USAGE;
            goto out;
        }
    }
    /* options add to (or tighten) what the runtime section says */
    for (size_t i = 0; i < nmeas; i++) {
        if (p->measurement_count == TCVM_ATTEST_MAX_MEASUREMENTS)
            goto too_many;
        memcpy(p->measurements[p->measurement_count++], meas[i], 48);
    }
    for (size_t i = 0; i < nchip; i++) {
        if (p->chip_id_count == TCVM_ATTEST_MAX_CHIP_IDS)
            goto too_many;
        memcpy(p->chip_ids[p->chip_id_count++], chips[i], 64);
    }
    if (has_host) {
        p->has_host_data = true;
        memcpy(p->host_data, host, 32);
    }
    if (has_rd) {
        p->has_report_data = true;
        memcpy(p->report_data, rd, 64);
    }
    if (has_tcb) {
        p->has_min_tcb = true;
        p->min_tcb = min_tcb;
    }
    if (has_abi) {
        p->has_min_abi = true;
        p->min_abi_major = (uint8_t)abi_major;
        p->min_abi_minor = (uint8_t)abi_minor;
    }
    p->allow_simulated |= allow_sim;
    p->allow_debug |= allow_debug;
    p->allow_migration_agent |= allow_ma;
    if (no_smt)
        p->allow_smt = false;

    tcvm_attest_verifier_t *v;
    if (tcvm_attest_verifier_new(p, &v) != TCVM_OK) {
        cli_errorf("out of memory");
        goto out;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < nvcek; i++)
        ok = add_cert_file(v, "--vcek", vceks[i]);
    for (size_t i = 0; ok && i < nchain; i++)
        ok = add_cert_file(v, "--chain", chains[i]);
    for (size_t i = 0; ok && i < ndir; i++) {
        if (tcvm_attest_verifier_add_cert_dir(v, dirs[i]) != TCVM_OK) {
            cli_errorf("--certs %s", tcvm_attest_verifier_error(v)->message);
            ok = false;
        }
    }
    uint8_t *data = NULL;
    size_t size;
    tcvm_attest_evidence_t *ev = NULL;
    if (ok && read_whole(file, &data, &size)) {
        if (tcvm_attest_evidence_load(data, size, &ev, NULL, &err) != TCVM_OK) {
            printf("FAIL %s: %s\n", TCVM_ATTEST_CHECK_FORMAT, err.message);
            ev = NULL;
        } else {
            tcvm_attest_result_t *res = malloc(sizeof *res);
            if (res == NULL) {
                cli_errorf("out of memory");
            } else if (tcvm_attest_verifier_verify(v, ev, res) == TCVM_OK) {
                print_ok(res);
                rc = CLI_OK;
            } else {
                printf("FAIL %s: %s\n", res->check ? res->check : "internal", res->message);
            }
            free(res);
        }
    }
    free(data);
    tcvm_attest_evidence_destroy(ev);
    tcvm_attest_verifier_destroy(v);
    goto out;
too_many:
    cli_errorf("attest verify: too many values for one option");
    rc = CLI_USAGE;
out:
    free(meas);
    free(chips);
    free(p);
    return rc;
}

int cli_cmd_attest(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        attest_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return cmd_show(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    cli_errorf("attest: unknown command '%s'", argv[1]);
    attest_usage(stderr);
    return CLI_USAGE;
}
