/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `sev-snp` provider: getting a report from inside an SEV-SNP guest through Linux.
 *
 * configfs-tsm first (kernel 6.7 and later): make an entry under /sys/kernel/config/tsm/report,
 * check its provider is sev_guest, write the 64 bytes of REPORT_DATA to `inblob` (and the VMPL
 * to `privlevel` when asked), read the 1184-byte report from `outblob` and the GHCB certificate
 * table from `auxblob` (empty when the host supplies no certificates). The kernel bumps
 * `generation` on every write; reading it before and after shows whether another writer raced
 * with us on the same entry, in which case the report may carry someone else's REPORT_DATA and
 * is refused.
 *
 * /dev/sev-guest as the fallback: SNP_GET_EXT_REPORT with a certificate buffer (grown once when
 * the host says it is too small), or SNP_GET_REPORT on kernels without the extended request.
 * The response is the firmware's MSG_REPORT_RSP with its status and size checked. When a guest
 * request fails for any other reason the kernel disables the VMPCK (no more reports until
 * reboot), so this provider then stays failed too.
 */
#include "attest/attest_internal.h"
#include "attest/sev_guest_abi.h"
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TSM_ROOT "/sys/kernel/config/tsm/report"
#define DEFAULT_DEVICE "/dev/sev-guest"

static int real_ioctl(int fd, unsigned long request, void *arg)
{
    return ioctl(fd, request, arg);
}

int (*tcvm__sev_guest_ioctl)(int fd, unsigned long request, void *arg) = real_ioctl;

typedef struct snp_state {
    char *tsm_root;
    char *tsm_entry;
    char *device;
    bool set_vmpl;
    uint32_t vmpl;
    bool failed;
    tcvm_error_t failure;
} snp_state_t;

static void snp_close(void *state)
{
    snp_state_t *s = state;
    if (s == NULL)
        return;
    tcvm__free(s->tsm_root);
    tcvm__free(s->tsm_entry);
    tcvm__free(s->device);
    tcvm__free(s);
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static tcvm_status_t snp_open(const tcvm_attest_provider_config_t *cfg, void **out_state,
                              tcvm_error_t *err)
{
    snp_state_t *s = tcvm__calloc(1, sizeof *s);
    if (s == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    s->tsm_root = tcvm__strdup(cfg->tsm_root ? cfg->tsm_root : DEFAULT_TSM_ROOT);
    s->tsm_entry = cfg->tsm_entry ? tcvm__strdup(cfg->tsm_entry) : NULL;
    s->device = tcvm__strdup(cfg->device ? cfg->device : DEFAULT_DEVICE);
    s->set_vmpl = cfg->set_vmpl;
    s->vmpl = cfg->vmpl;
    if (s->tsm_root == NULL || s->device == NULL || (cfg->tsm_entry && s->tsm_entry == NULL)) {
        snp_close(s);
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    if (s->tsm_entry != NULL && (strchr(s->tsm_entry, '/') || s->tsm_entry[0] == '.' ||
                                 s->tsm_entry[0] == '\0')) {
        tcvm_status_t st = tcvm__errorf(err, TCVM_EINVAL,
                                        "configfs-tsm entry name \"%s\" must be a plain name",
                                        s->tsm_entry);
        snp_close(s);
        return st;
    }
    if (s->set_vmpl && s->vmpl > 3) {
        tcvm_status_t st = tcvm__errorf(err, TCVM_EINVAL, "VMPL %u is not 0..3", s->vmpl);
        snp_close(s);
        return st;
    }
    if (!is_dir(s->tsm_root) && !exists(s->device)) {
        tcvm_status_t st = tcvm__errorf(
            err, TCVM_ATTEST_PROVIDER,
            "no SEV-SNP guest interface: neither %s (configfs-tsm; mount configfs on "
            "/sys/kernel/config) nor %s (the sev-guest driver) exists; is this an SEV-SNP guest?",
            s->tsm_root, s->device);
        snp_close(s);
        return st;
    }
    *out_state = s;
    return TCVM_OK;
}

/* ---- configfs-tsm ------------------------------------------------------------------------ */

static tcvm_status_t write_attr(const char *dir, const char *name, const void *data, size_t size,
                                tcvm_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return tcvm__errorf(err, TCVM_ATTEST_PROVIDER, "configfs-tsm: %s: %s", path,
                            strerror(errno));
    /* a configfs binary attribute takes the whole value in one write */
    ssize_t n;
    do {
        n = write(fd, data, size);
    } while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0 || (size_t)n != size)
        return tcvm__errorf(err, TCVM_ATTEST_PROVIDER, "configfs-tsm: writing %s: %s", path,
                            n < 0 ? strerror(e) : "short write");
    return TCVM_OK;
}

static tcvm_status_t read_attr(const char *dir, const char *name, size_t max, uint8_t **out,
                               size_t *out_size, tcvm_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tcvm_error_t rerr;
    tcvm_status_t st = tcvm__read_file(path, max, out, out_size, &rerr);
    if (st == TCVM_ENOENT)
        return tcvm__errorf(err, TCVM_ENOENT, "configfs-tsm: %s", rerr.message);
    if (st != TCVM_OK) {
        /* outblob: the kernel maps the firmware's INVALID_PARAM/INVALID_KEY to EINVAL */
        return tcvm__errorf(err, TCVM_ATTEST_PROVIDER, "configfs-tsm: %s", rerr.message);
    }
    return TCVM_OK;
}

/* A small text attribute, trailing newline removed. */
static tcvm_status_t read_text_attr(const char *dir, const char *name, char *out, size_t size,
                                    tcvm_error_t *err)
{
    uint8_t *data;
    size_t n;
    tcvm_status_t st = read_attr(dir, name, 256, &data, &n, err);
    if (st != TCVM_OK)
        return st;
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\0'))
        n--;
    snprintf(out, size, "%.*s", (int)n, (const char *)data);
    tcvm__free(data);
    return TCVM_OK;
}

static tcvm_status_t read_generation(const char *dir, unsigned long long *out, tcvm_error_t *err)
{
    char text[64];
    tcvm_status_t st = read_text_attr(dir, "generation", text, sizeof text, err);
    if (st != TCVM_OK)
        return st;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0)
        return tcvm__errorf(err, TCVM_ATTEST_PROVIDER,
                            "configfs-tsm: %s/generation is not a number: \"%.32s\"", dir, text);
    *out = v;
    return TCVM_OK;
}

static tcvm_status_t tsm_get(snp_state_t *s, const uint8_t *report_data,
                             tcvm_attest_evidence_t **out_evidence, tcvm_error_t *err)
{
    char entry[4096];
    char name[64];
    bool made = false;
    if (s->tsm_entry != NULL) {
        snprintf(entry, sizeof entry, "%s/%s", s->tsm_root, s->tsm_entry);
    } else {
        uint8_t rnd[8];
        char hex[17];
        if (tcvm__random(rnd, sizeof rnd) != TCVM_OK)
            return tcvm__errorf(err, TCVM_CRYPTO_FAILED, "no randomness for an entry name");
        tcvm__hex_encode(rnd, sizeof rnd, hex, sizeof hex);
        snprintf(name, sizeof name, "2cvm-%ld-%s", (long)getpid(), hex);
        snprintf(entry, sizeof entry, "%s/%s", s->tsm_root, name);
    }
    if (mkdir(entry, 0700) == 0)
        made = true;
    else if (errno != EEXIST || s->tsm_entry == NULL)
        return tcvm__errorf(err, TCVM_ATTEST_PROVIDER, "configfs-tsm: mkdir %s: %s", entry,
                            strerror(errno));
    tcvm_status_t st;
    uint8_t *out = NULL, *aux = NULL;
    size_t out_size = 0, aux_size = 0;
    char provider[64];
    unsigned long long g0, g1, writes = 0;
    if ((st = read_text_attr(entry, "provider", provider, sizeof provider, err)) != TCVM_OK)
        goto done;
    if (strcmp(provider, "sev_guest") != 0) {
        st = tcvm__errorf(err, TCVM_ATTEST_PROVIDER,
                          "configfs-tsm: the TSM provider is \"%s\", not sev_guest", provider);
        goto done;
    }
    if ((st = read_generation(entry, &g0, err)) != TCVM_OK)
        goto done;
    if (s->set_vmpl) {
        char level[16];
        int n = snprintf(level, sizeof level, "%u\n", s->vmpl);
        if ((st = write_attr(entry, "privlevel", level, (size_t)n, err)) != TCVM_OK)
            goto done;
        writes++;
    }
    if ((st = write_attr(entry, "inblob", report_data, TCVM_SNP_REPORT_DATA_SIZE, err)) !=
        TCVM_OK)
        goto done;
    writes++;
    if ((st = read_attr(entry, "outblob", TCVM_ATTEST_MAX_TSM_BLOB_SIZE, &out, &out_size, err)) !=
        TCVM_OK)
        goto done;
    if (out_size != TCVM_SNP_REPORT_SIZE) {
        st = tcvm__errorf(err, TCVM_ATTEST_PROVIDER,
                          "configfs-tsm: outblob has %zu bytes, an SEV-SNP report has %d",
                          out_size, TCVM_SNP_REPORT_SIZE);
        goto done;
    }
    st = read_attr(entry, "auxblob", TCVM_ATTEST_MAX_TSM_AUXBLOB_SIZE, &aux, &aux_size, err);
    if (st == TCVM_ENOENT) {
        aux_size = 0; /* older kernels have no auxblob: no certificates */
    } else if (st != TCVM_OK) {
        goto done;
    }
    if ((st = read_generation(entry, &g1, err)) != TCVM_OK)
        goto done;
    if (g1 != g0 + writes) {
        st = tcvm__errorf(err, TCVM_ATTEST_PROVIDER,
                          "configfs-tsm: %s was written by someone else meanwhile (generation "
                          "%llu, expected %llu); the report may not carry our REPORT_DATA",
                          entry, g1, g0 + writes);
        goto done;
    }
    if (memcmp(out + 0x50, report_data, TCVM_SNP_REPORT_DATA_SIZE) != 0) {
        st = tcvm__errorf(err, TCVM_ATTEST_PROVIDER,
                          "configfs-tsm: the report's REPORT_DATA is not what was written");
        goto done;
    }
    tcvm_attest_evidence_t *ev;
    if ((st = tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, out, out_size, &ev, err)) !=
        TCVM_OK)
        goto done;
    if ((st = tcvm_attest_evidence_add_cert_table(ev, aux, aux_size, err)) != TCVM_OK) {
        tcvm_attest_evidence_destroy(ev);
        goto done;
    }
    *out_evidence = ev;
done:
    tcvm__free(out);
    tcvm__free(aux);
    if (made && rmdir(entry) != 0 && st == TCVM_OK)
        st = tcvm__errorf(err, TCVM_ATTEST_PROVIDER, "configfs-tsm: rmdir %s: %s", entry,
                          strerror(errno));
    return st;
}

/* ---- /dev/sev-guest ----------------------------------------------------------------------- */

/* Reads MSG_REPORT_RSP: status 0, report_size 1184, the report at 0x20. */
static tcvm_status_t parse_report_rsp(const uint8_t *resp, size_t size, const uint8_t **report,
                                      tcvm_error_t *err)
{
    tcvm_cursor_t c = tcvm__cursor(resp, size);
    uint32_t status = 0, report_size = 0;
    const uint8_t *rsvd;
    if (tcvm__cur_u32le(&c, &status) != TCVM_OK || tcvm__cur_u32le(&c, &report_size) != TCVM_OK ||
        tcvm__cur_bytes(&c, 24, &rsvd) != TCVM_OK)
        return tcvm__errorf(err, TCVM_ATTEST_PROVIDER, "sev-guest: response too short");
    if (status != 0)
        return tcvm__errorf(err, TCVM_ATTEST_PROVIDER,
                            "sev-guest: the firmware answered status 0x%x", status);
    if (report_size != TCVM_SNP_REPORT_SIZE ||
        tcvm__cur_bytes(&c, TCVM_SNP_REPORT_SIZE, report) != TCVM_OK)
        return tcvm__errorf(err, TCVM_ATTEST_PROVIDER,
                            "sev-guest: the response's report size is %u, want %d", report_size,
                            TCVM_SNP_REPORT_SIZE);
    return TCVM_OK;
}

static tcvm_status_t ioctl_get(snp_state_t *s, const uint8_t *report_data,
                               tcvm_attest_evidence_t **out_evidence, tcvm_error_t *err)
{
    int fd = open(s->device, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return tcvm__errorf(err, TCVM_ATTEST_PROVIDER, "sev-guest: %s: %s", s->device,
                            strerror(errno));
    tcvm_status_t st = TCVM_OK;
    struct tcvm__snp_report_resp *resp = tcvm__calloc(1, sizeof *resp);
    size_t certs_len = TCVM__SEV_FW_BLOB_MAX_SIZE;
    uint8_t *certs = tcvm__calloc(1, certs_len);
    if (resp == NULL || certs == NULL) {
        st = tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
        goto out;
    }
    struct tcvm__snp_ext_report_req ext;
    struct tcvm__snp_guest_request_ioctl req;
    bool extended = true;
    for (int attempt = 0;; attempt++) {
        memset(&ext, 0, sizeof ext);
        memcpy(ext.data.user_data, report_data, TCVM_SNP_REPORT_DATA_SIZE);
        ext.data.vmpl = s->set_vmpl ? s->vmpl : 0;
        ext.certs_address = (uint64_t)(uintptr_t)certs;
        ext.certs_len = (uint32_t)certs_len;
        memset(&req, 0, sizeof req);
        req.msg_version = 1;
        req.req_data = extended ? (uint64_t)(uintptr_t)&ext : (uint64_t)(uintptr_t)&ext.data;
        req.resp_data = (uint64_t)(uintptr_t)resp;
        unsigned long request = extended ? TCVM__SNP_GET_EXT_REPORT : TCVM__SNP_GET_REPORT;
        int r = tcvm__sev_guest_ioctl(fd, request, &req);
        if (r == 0)
            break;
        int e = errno;
        uint32_t fw = (uint32_t)req.exitinfo2, vmm = (uint32_t)(req.exitinfo2 >> 32);
        if (extended && e == EIO && vmm == TCVM__SNP_VMM_ERR_INVALID_LEN && attempt == 0 &&
            ext.certs_len > certs_len && ext.certs_len <= TCVM_ATTEST_MAX_EXT_CERTS_SIZE &&
            ext.certs_len % TCVM__PAGE_SIZE == 0) {
            /* the host's certificates need a larger buffer; the kernel told us how large */
            uint8_t *grown = tcvm__calloc(1, ext.certs_len);
            if (grown == NULL) {
                st = tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
                goto out;
            }
            tcvm__free(certs);
            certs = grown;
            certs_len = ext.certs_len;
            continue;
        }
        if (extended && e == ENOTTY && attempt == 0) {
            extended = false; /* a kernel without SNP_GET_EXT_REPORT */
            continue;
        }
        /* the kernel disables the VMPCK after such a failure: stay failed as well */
        s->failed = true;
        st = tcvm__errorf(err, TCVM_ATTEST_PROVIDER,
                          "sev-guest: %s failed: %s (firmware error 0x%x, VMM error 0x%x)",
                          extended ? "SNP_GET_EXT_REPORT" : "SNP_GET_REPORT", strerror(e), fw,
                          vmm);
        tcvm__error_copy(&s->failure, err);
        goto out;
    }
    const uint8_t *report = NULL;
    if ((st = parse_report_rsp(resp->data, sizeof resp->data, &report, err)) != TCVM_OK)
        goto out;
    if (memcmp(report + 0x50, report_data, TCVM_SNP_REPORT_DATA_SIZE) != 0) {
        st = tcvm__errorf(err, TCVM_ATTEST_PROVIDER,
                          "sev-guest: the report's REPORT_DATA is not what was requested");
        goto out;
    }
    tcvm_attest_evidence_t *ev;
    if ((st = tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, report, TCVM_SNP_REPORT_SIZE, &ev,
                                       err)) != TCVM_OK)
        goto out;
    if (extended && (st = tcvm_attest_evidence_add_cert_table(ev, certs, certs_len, err)) !=
                        TCVM_OK) {
        tcvm_attest_evidence_destroy(ev);
        goto out;
    }
    *out_evidence = ev;
out:
    tcvm__free(certs);
    if (resp != NULL)
        tcvm__wipe(resp, sizeof *resp);
    tcvm__free(resp);
    close(fd);
    return st;
}

static tcvm_status_t snp_get(void *state, const uint8_t report_data[TCVM_SNP_REPORT_DATA_SIZE],
                             tcvm_attest_evidence_t **out_evidence, const char **out_interface,
                             tcvm_error_t *err)
{
    snp_state_t *s = state;
    if (s->failed)
        return tcvm__errorf(err, TCVM_ESTATE,
                            "the guest channel failed earlier and the kernel disabled it: %s",
                            s->failure.message);
    if (is_dir(s->tsm_root)) {
        *out_interface = "configfs-tsm";
        return tsm_get(s, report_data, out_evidence, err);
    }
    *out_interface = "sev-guest ioctl";
    return ioctl_get(s, report_data, out_evidence, err);
}

const tcvm__attest_provider_ops_t tcvm__provider_sev_snp = {
    .name = "sev-snp",
    .open = snp_open,
    .get = snp_get,
    .close = snp_close,
};
