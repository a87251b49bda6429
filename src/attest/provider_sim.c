/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `sim` provider: a software stand-in for the SEV-SNP firmware, for development and tests.
 * It keeps its own P-384 chain in a directory the caller names: a root (CN=SIMULATED ARK), an
 * intermediate (CN=SIMULATED ASK) and a VCEK-like key, generated on first use (private keys mode
 * 0600, the directory 0700, under a lock so two processes do not both generate) and reused
 * afterwards. Each report is laid out exactly as a version 5 ATTESTATION_REPORT with the
 * measurement, HOST_DATA, guest policy and TCB it is configured with, signed with the VCEK-like
 * key, and comes with a VCEK-like certificate issued for that TCB with AMD's extensions.
 *
 * Nothing about it is secure: the keys sit in a file. Its evidence is labelled `sim`, its names
 * say SIMULATED, and every verifier refuses it unless simulated evidence is explicitly allowed.
 */
#include "attest/attest_internal.h"

#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SIM_ORG "2cvm simulated TEE - not secure"
#define DAY 86400LL
#define YEAR (365LL * DAY)

typedef struct sim_state {
    tcvm_pkey_t *ark_key, *ask_key, *vcek_key;
    tcvm_x509_t *ark, *ask;
    tcvm_snp_product_t product;
    uint8_t measurement[TCVM_SNP_MEASUREMENT_SIZE];
    uint8_t host_data[TCVM_SNP_HOST_DATA_SIZE];
    uint64_t policy;
    tcvm_snp_tcb_t tcb;
    uint32_t vmpl;
    uint8_t chip_id[TCVM_SNP_CHIP_ID_SIZE];
    uint8_t report_id[32];
} sim_state_t;

static void sim_close(void *state)
{
    sim_state_t *s = state;
    if (s == NULL)
        return;
    tcvm__pkey_free(s->ark_key);
    tcvm__pkey_free(s->ask_key);
    tcvm__pkey_free(s->vcek_key);
    tcvm__x509_free(s->ark);
    tcvm__x509_free(s->ask);
    tcvm__free(s);
}

static void path_in(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static tcvm_status_t write_new_file(const char *path, const void *data, size_t size, mode_t mode,
                                    tcvm_error_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return tcvm__errorf(err, TCVM_EIO, "%s: %s", path, strerror(errno));
    const uint8_t *p = data;
    size_t left = size;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            close(fd);
            unlink(path);
            return tcvm__errorf(err, TCVM_EIO, "%s: %s", path, strerror(e));
        }
        p += n;
        left -= (size_t)n;
    }
    if (close(fd) != 0)
        return tcvm__errorf(err, TCVM_EIO, "%s: %s", path, strerror(errno));
    return TCVM_OK;
}

static const tcvm_pki_name_attr_t *sim_name(const char *cn, tcvm_pki_name_attr_t out[2])
{
    out[0] = (tcvm_pki_name_attr_t){"O", SIM_ORG};
    out[1] = (tcvm_pki_name_attr_t){"CN", cn};
    return out;
}

static tcvm_status_t save_cert(const tcvm_x509_t *x, const char *path, tcvm_error_t *err)
{
    tcvm_buf_t pem = {0};
    tcvm_status_t st = tcvm__x509_to_pem(x, &pem);
    if (st == TCVM_OK)
        st = write_new_file(path, pem.data, pem.size, 0644, err);
    else
        tcvm__errorf(err, st, "%s: cannot encode the certificate", path);
    tcvm__buf_free(&pem);
    return st;
}

static tcvm_status_t load_cert(const char *path, tcvm_x509_t **out, tcvm_error_t *err)
{
    uint8_t *data;
    size_t size;
    tcvm_status_t st = tcvm__read_file(path, TCVM_ATTEST_MAX_CERT_SIZE, &data, &size, err);
    if (st != TCVM_OK)
        return st;
    tcvm_x509_t **list = NULL;
    size_t count = 0;
    st = tcvm__x509_parse_any(data, size, 1, &list, &count, err);
    tcvm__free(data);
    if (st != TCVM_OK)
        return st;
    *out = list[0];
    tcvm__free(list);
    return TCVM_OK;
}

/* Generates the root, the intermediate and the VCEK-like key into an empty directory. */
static tcvm_status_t generate(sim_state_t *s, const char *dir, tcvm_error_t *err)
{
    char path[4096];
    tcvm_status_t st;
    if ((st = tcvm__pkey_generate_p384(&s->ark_key)) != TCVM_OK ||
        (st = tcvm__pkey_generate_p384(&s->ask_key)) != TCVM_OK ||
        (st = tcvm__pkey_generate_p384(&s->vcek_key)) != TCVM_OK)
        return tcvm__errorf(err, st, "sim: cannot generate P-384 keys");
    int64_t now = (int64_t)time(NULL);
    tcvm_pki_name_attr_t name[2];
    tcvm_pki_cert_spec_t spec = {
        .subject = sim_name(TCVM__SIM_CN_PREFIX "ARK", name), .subject_count = 2, .serial = 1,
        .not_before = now - DAY, .not_after = now + 25 * YEAR, .ca = true, .pathlen = 1};
    if ((st = tcvm__x509_issue(&spec, s->ark_key, s->ark_key, NULL, &s->ark, err)) != TCVM_OK)
        return st;
    spec.subject = sim_name(TCVM__SIM_CN_PREFIX "ASK", name);
    spec.serial = 2;
    spec.pathlen = 0;
    if ((st = tcvm__x509_issue(&spec, s->ask_key, s->ark_key, s->ark, &s->ask, err)) != TCVM_OK)
        return st;
    path_in(path, sizeof path, dir, "ark.key");
    if ((st = tcvm__pkey_save(s->ark_key, path, err)) != TCVM_OK)
        return st;
    path_in(path, sizeof path, dir, "ask.key");
    if ((st = tcvm__pkey_save(s->ask_key, path, err)) != TCVM_OK)
        return st;
    path_in(path, sizeof path, dir, "vcek.key");
    if ((st = tcvm__pkey_save(s->vcek_key, path, err)) != TCVM_OK)
        return st;
    path_in(path, sizeof path, dir, "ask.pem");
    if ((st = save_cert(s->ask, path, err)) != TCVM_OK)
        return st;
    /* ark.pem last: its presence marks a complete directory */
    path_in(path, sizeof path, dir, "ark.pem");
    return save_cert(s->ark, path, err);
}

static tcvm_status_t load(sim_state_t *s, const char *dir, tcvm_error_t *err)
{
    char path[4096];
    tcvm_status_t st;
    static const char *const keys[3] = {"ark.key", "ask.key", "vcek.key"};
    tcvm_pkey_t **slots[3] = {&s->ark_key, &s->ask_key, &s->vcek_key};
    for (int i = 0; i < 3; i++) {
        path_in(path, sizeof path, dir, keys[i]);
        if ((st = tcvm__pkey_load(path, slots[i], err)) != TCVM_OK)
            return st;
    }
    path_in(path, sizeof path, dir, "ark.pem");
    if ((st = load_cert(path, &s->ark, err)) != TCVM_OK)
        return st;
    path_in(path, sizeof path, dir, "ask.pem");
    if ((st = load_cert(path, &s->ask, err)) != TCVM_OK)
        return st;
    if (!tcvm__pkey_matches(s->ark_key, s->ark) || !tcvm__pkey_matches(s->ask_key, s->ask))
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY,
                            "sim: %s: the keys do not match the certificates", dir);
    return TCVM_OK;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static tcvm_status_t make_dirs(const char *dir, tcvm_error_t *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return tcvm__errorf(err, TCVM_EINVAL, "sim: directory name too long");
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return tcvm__errorf(err, TCVM_EIO, "sim: mkdir %s: %s", path, strerror(errno));
        *p = saved;
        if (saved == '\0')
            return TCVM_OK;
    }
}

static tcvm_status_t open_keys(sim_state_t *s, const char *dir, tcvm_error_t *err)
{
    tcvm_status_t st = make_dirs(dir, err);
    if (st != TCVM_OK)
        return st;
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return tcvm__errorf(err, TCVM_EIO, "sim: %s is not a directory", dir);
    char path[4096];
    path_in(path, sizeof path, dir, ".lock");
    int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock < 0)
        return tcvm__errorf(err, TCVM_EIO, "sim: %s: %s", path, strerror(errno));
    int r;
    do {
        r = flock(lock, LOCK_EX);
    } while (r != 0 && errno == EINTR);
    path_in(path, sizeof path, dir, "ark.pem");
    if (stat(path, &sb) == 0) {
        st = load(s, dir, err);
    } else {
        path_in(path, sizeof path, dir, "ark.key");
        if (stat(path, &sb) == 0)
            st = tcvm__errorf(err, TCVM_ESTATE,
                              "sim: %s holds keys but no ark.pem (an interrupted first run?); "
                              "empty the directory to start over",
                              dir);
        else
            st = generate(s, dir, err);
    }
    close(lock); /* releases the lock */
    return st;
}

static tcvm_status_t sim_open(const tcvm_attest_provider_config_t *cfg, void **out_state,
                              tcvm_error_t *err)
{
    if (cfg->sim_dir == NULL || cfg->sim_dir[0] == '\0')
        return tcvm__errorf(err, TCVM_EINVAL, "sim: a key directory is required");
    sim_state_t *s = tcvm__calloc(1, sizeof *s);
    if (s == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    s->product = cfg->sim_product == TCVM_SNP_PRODUCT_UNKNOWN ? TCVM_SNP_PRODUCT_GENOA
                                                              : cfg->sim_product;
    tcvm_status_t st = TCVM_OK;
    if (s->product != TCVM_SNP_PRODUCT_MILAN && s->product != TCVM_SNP_PRODUCT_GENOA &&
        s->product != TCVM_SNP_PRODUCT_TURIN)
        st = tcvm__errorf(err, TCVM_EINVAL, "sim: product %s cannot be simulated",
                          tcvm_snp_product_name(s->product));
    if (st == TCVM_OK)
        st = open_keys(s, cfg->sim_dir, err);
    tcvm_buf_t pub = {0};
    if (st == TCVM_OK) {
        /* the chip id: a digest of the VCEK-like key (Turin uses only 8 bytes); the report id:
         * random, one per simulated guest */
        if (tcvm__pkey_public_der(s->vcek_key, &pub) != TCVM_OK ||
            tcvm__hash(TCVM_HASH_SHA512, pub.data, pub.size, s->chip_id) != TCVM_OK ||
            tcvm__random(s->report_id, sizeof s->report_id) != TCVM_OK)
            st = tcvm__errorf(err, TCVM_CRYPTO_FAILED, "sim: cannot derive the chip id");
        if (s->product == TCVM_SNP_PRODUCT_TURIN)
            memset(s->chip_id + 8, 0, sizeof s->chip_id - 8);
    }
    tcvm__buf_free(&pub);
    if (st != TCVM_OK) {
        sim_close(s);
        return st;
    }
    memcpy(s->measurement, cfg->sim_measurement, sizeof s->measurement);
    memcpy(s->host_data, cfg->sim_host_data, sizeof s->host_data);
    s->policy = cfg->sim_policy ? cfg->sim_policy : 0x30000;
    s->tcb = cfg->sim_tcb;
    s->vmpl = cfg->set_vmpl ? cfg->vmpl : 0;
    *out_state = s;
    return TCVM_OK;
}

/* Appends one AMD extension whose value is a DER INTEGER. */
static tcvm_status_t add_uint_ext(tcvm_pki_ext_t *ext, tcvm_buf_t *vals, size_t *n,
                                  const char *oid, uint64_t value)
{
    tcvm_status_t st = tcvm__der_encode_uint(value, &vals[*n]);
    if (st != TCVM_OK)
        return st;
    ext[*n] = (tcvm_pki_ext_t){oid, vals[*n].data, vals[*n].size};
    *n += 1;
    return TCVM_OK;
}

/* Issues the VCEK-like certificate for the configured TCB, with AMD's extensions. */
static tcvm_status_t issue_vcek(sim_state_t *s, tcvm_x509_t **out, tcvm_error_t *err)
{
    bool turin = s->product == TCVM_SNP_PRODUCT_TURIN;
    tcvm_buf_t vals[12];
    memset(vals, 0, sizeof vals);
    tcvm_pki_ext_t ext[12];
    size_t n = 0;
    tcvm_status_t st = add_uint_ext(ext, vals, &n, TCVM__AMD_OID_STRUCT_VERSION, turin ? 1 : 0);
    if (st == TCVM_OK &&
        (st = tcvm__der_encode_ia5(tcvm_snp_product_name(s->product), &vals[n])) == TCVM_OK) {
        ext[n] = (tcvm_pki_ext_t){TCVM__AMD_OID_PRODUCT_NAME, vals[n].data, vals[n].size};
        n++;
    }
    const struct {
        const char *oid;
        uint8_t value;
        bool present;
    } spls[] = {
        {TCVM__AMD_OID_BL_SPL, s->tcb.bootloader, true},
        {TCVM__AMD_OID_TEE_SPL, s->tcb.tee, true},
        {TCVM__AMD_OID_SNP_SPL, s->tcb.snp, true},
        {TCVM__AMD_OID_SPL4, 0, !turin}, /* absent on Turin, as AMD issues them */
        {TCVM__AMD_OID_SPL5, 0, true},
        {TCVM__AMD_OID_SPL6, 0, true},
        {TCVM__AMD_OID_SPL7, 0, true},
        {TCVM__AMD_OID_UCODE_SPL, s->tcb.microcode, true},
        {TCVM__AMD_OID_FMC_SPL, s->tcb.fmc, turin},
    };
    for (size_t i = 0; st == TCVM_OK && i < TCVM__ARRAY_COUNT(spls); i++) {
        if (spls[i].present)
            st = add_uint_ext(ext, vals, &n, spls[i].oid, spls[i].value);
    }
    if (st == TCVM_OK) {
        /* hwID: raw bytes, as AMD issues it */
        ext[n] = (tcvm_pki_ext_t){TCVM__AMD_OID_HWID, s->chip_id, turin ? 8 : 64};
        n++;
        int64_t now = (int64_t)time(NULL);
        tcvm_pki_name_attr_t name[2];
        tcvm_pki_cert_spec_t spec = {.subject = sim_name(TCVM__SIM_CN_PREFIX "VCEK", name),
                                     .subject_count = 2, .serial = 0,
                                     .not_before = now - DAY, .not_after = now + 7 * YEAR,
                                     .ca = false, .pathlen = -1, .exts = ext, .ext_count = n};
        st = tcvm__x509_issue(&spec, s->vcek_key, s->ask_key, s->ask, out, err);
    } else {
        tcvm__errorf(err, st, "sim: cannot encode the certificate extensions");
    }
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(vals); i++)
        tcvm__buf_free(&vals[i]);
    return st;
}

static void cpuid_of(tcvm_snp_product_t p, uint8_t out[3])
{
    switch (p) {
    case TCVM_SNP_PRODUCT_MILAN:
        out[0] = 0x19, out[1] = 0x01, out[2] = 0x01;
        break;
    case TCVM_SNP_PRODUCT_TURIN:
        out[0] = 0x1a, out[1] = 0x02, out[2] = 0x00;
        break;
    default: /* Genoa */
        out[0] = 0x19, out[1] = 0x11, out[2] = 0x01;
        break;
    }
}

static tcvm_status_t sim_get(void *state, const uint8_t report_data[TCVM_SNP_REPORT_DATA_SIZE],
                             tcvm_attest_evidence_t **out_evidence, const char **out_interface,
                             tcvm_error_t *err)
{
    sim_state_t *s = state;
    *out_interface = "sim";
    uint8_t r[TCVM_SNP_REPORT_SIZE] = {0};
    uint64_t tcb = tcvm_snp_tcb_encode(&s->tcb, s->product);
    tcvm__put_le32(r + 0x000, 5);               /* VERSION */
    tcvm__put_le64(r + 0x008, s->policy);       /* POLICY */
    tcvm__put_le32(r + 0x030, s->vmpl);         /* VMPL */
    tcvm__put_le32(r + 0x034, 1);               /* SIGNATURE_ALGO: ECDSA P-384 */
    tcvm__put_le64(r + 0x038, tcb);             /* CURRENT_TCB */
    tcvm__put_le64(r + 0x040, 0x25);            /* PLATFORM_INFO: SMT, ECC, alias check */
    tcvm__put_le32(r + 0x048, 0);               /* KEY_INFO: signed with the VCEK */
    memcpy(r + 0x050, report_data, TCVM_SNP_REPORT_DATA_SIZE);
    memcpy(r + 0x090, s->measurement, TCVM_SNP_MEASUREMENT_SIZE);
    memcpy(r + 0x0c0, s->host_data, TCVM_SNP_HOST_DATA_SIZE);
    memcpy(r + 0x140, s->report_id, 32);        /* REPORT_ID */
    memset(r + 0x160, 0xff, 32);                /* REPORT_ID_MA: no migration agent */
    tcvm__put_le64(r + 0x180, tcb);             /* REPORTED_TCB */
    cpuid_of(s->product, r + 0x188);            /* CPUID family, model, stepping */
    memcpy(r + 0x1a0, s->chip_id, TCVM_SNP_CHIP_ID_SIZE);
    tcvm__put_le64(r + 0x1e0, tcb);             /* COMMITTED_TCB */
    r[0x1e8] = 0, r[0x1e9] = 58, r[0x1ea] = 1;  /* CURRENT firmware 1.58.0 */
    r[0x1ec] = 0, r[0x1ed] = 58, r[0x1ee] = 1;  /* COMMITTED firmware 1.58.0 */
    tcvm__put_le64(r + 0x1f0, tcb);             /* LAUNCH_TCB */
    /* LAUNCH_MIT_VECTOR and CURRENT_MIT_VECTOR (0x1F8, 0x200) stay 0 */
    tcvm_status_t st = tcvm__ecdsa_p384_sign_le(s->vcek_key, r, TCVM_SNP_SIGNED_SIZE, r + 0x2a0,
                                                r + 0x2e8);
    if (st != TCVM_OK)
        return tcvm__errorf(err, st, "sim: cannot sign the report");
    tcvm_x509_t *vcek;
    if ((st = issue_vcek(s, &vcek, err)) != TCVM_OK)
        return st;
    tcvm_attest_evidence_t *ev = NULL;
    st = tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SIM, r, sizeof r, &ev, err);
    const tcvm_x509_t *certs[3] = {vcek, s->ask, s->ark};
    static const tcvm_attest_cert_kind_t kinds[3] = {TCVM_ATTEST_CERT_VCEK, TCVM_ATTEST_CERT_ASK,
                                                     TCVM_ATTEST_CERT_ARK};
    for (int i = 0; st == TCVM_OK && i < 3; i++) {
        size_t size;
        const uint8_t *der = tcvm__x509_der(certs[i], &size);
        st = tcvm_attest_evidence_add_cert(ev, kinds[i], der, size, err);
    }
    tcvm__x509_free(vcek);
    if (st != TCVM_OK) {
        tcvm_attest_evidence_destroy(ev);
        return st;
    }
    *out_evidence = ev;
    return TCVM_OK;
}

const tcvm__attest_provider_ops_t tcvm__provider_sim = {
    .name = "sim",
    .open = sim_open,
    .get = sim_get,
    .close = sim_close,
};
