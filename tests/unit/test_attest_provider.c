/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `sev-snp` provider without SEV-SNP hardware. configfs-tsm is exercised against a directory
 * tree that behaves like the kernel's: an entry with the `provider`, `generation`, `inblob` and
 * `privlevel` attributes, and `outblob`/`auxblob` as named pipes served by a thread which, like
 * the kernel, produces the report when outblob is read, from what was written to inblob (the
 * report itself comes from the sim TEE, so the chain is the simulated one). /dev/sev-guest is
 * exercised through an emulation of the driver's ioctls behind the provider's ioctl hook: the
 * certificate buffer that is too small (EIO, INVALID_LEN, new length), kernels without the
 * extended request, firmware errors (after which the provider stays failed) and bad responses.
 */
#include "attest_util.h"

#include "attest/sev_guest_abi.h"
#include "crypto/crypto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


static void write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK_EQ(fwrite(data, 1, size, f), size);
    CHECK_EQ(fclose(f), 0);
}

static size_t read_small(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* Evidence from the sim TEE with this REPORT_DATA and VMPL, as the "firmware" of the tests. */
static tcvm_attest_evidence_t *firmware(const char *keys, const uint8_t *rd, uint32_t vmpl)
{
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    cfg.sim_dir = keys;
    cfg.set_vmpl = true;
    cfg.vmpl = vmpl;
    tcvm_attest_provider_t *p;
    tcvm_error_t err;
    CHECK_OK(tcvm_attest_provider_open("sim", &cfg, &p, &err));
    tcvm_attest_evidence_t *ev;
    CHECK_OK(tcvm_attest_provider_get(p, rd, &ev, &err));
    tcvm_attest_provider_destroy(p);
    return ev;
}

/* ---- configfs-tsm ----------------------------------------------------------------------- */

typedef struct tsm_emu {
    char entry[1100];
    char keys[1100];
    unsigned extra_generation; /* > 0: another writer raced */
    bool with_certs;
    bool refuse; /* behave as a firmware error: outblob yields nothing */
    atomic_bool stop;
    int served;
    struct timespec privlevel_seen; /* mtime of privlevel when last served */
} tsm_emu_t;

/* Whether privlevel was written since the last report (the kernel counts each write). */
static bool privlevel_written(tsm_emu_t *e)
{
    char path[1200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/privlevel", e->entry);
    if (stat(path, &sb) != 0 || sb.st_size == 0)
        return false;
    bool changed = sb.st_mtim.tv_sec != e->privlevel_seen.tv_sec ||
                   sb.st_mtim.tv_nsec != e->privlevel_seen.tv_nsec;
    e->privlevel_seen = sb.st_mtim;
    return changed;
}

/* Opens a FIFO for writing once a reader has it open (or gives up when told to stop). */
static int open_writer(tsm_emu_t *e, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", e->entry, name);
    for (;;) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            fcntl(fd, F_SETFL, 0);
            return fd;
        }
        if (errno != ENXIO || atomic_load(&e->stop))
            return -1;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static void write_fd(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void *tsm_thread(void *arg)
{
    tsm_emu_t *e = arg;
    int fd = open_writer(e, "outblob");
    if (fd < 0)
        return NULL;
    /* reading outblob generates the report from the attributes written since */
    uint8_t rd[128] = {0}, level[16] = {0};
    size_t n = read_small(e->entry, "inblob", rd, sizeof rd);
    size_t ln = read_small(e->entry, "privlevel", level, sizeof level - 1);
    uint8_t gen[32] = {0};
    read_small(e->entry, "generation", gen, sizeof gen - 1);
    unsigned long g =
        strtoul((char *)gen, NULL, 10) + 1 + privlevel_written(e) + e->extra_generation;
    char text[32];
    int tn = snprintf(text, sizeof text, "%lu\n", g);
    write_file(e->entry, "generation", text, (size_t)tn);
    tcvm_attest_evidence_t *ev = NULL;
    if (n == 64 && !e->refuse) {
        ev = firmware(e->keys, rd, ln ? (uint32_t)strtoul((char *)level, NULL, 10) : 0);
        write_fd(fd, tcvm_attest_evidence_report(ev), TCVM_SNP_REPORT_SIZE);
    }
    close(fd);
    e->served++;
    fd = open_writer(e, "auxblob");
    if (fd >= 0) {
        tcvm_buf_t table = {0};
        if (ev != NULL && e->with_certs)
            CHECK_OK(tcvm__cert_table_build(ev, &table));
        write_fd(fd, table.data, table.size);
        tcvm__buf_free(&table);
        close(fd);
    }
    tcvm_attest_evidence_destroy(ev);
    return NULL;
}

static void make_entry(const char *root, const char *name, tsm_emu_t *e, const char *provider)
{
    snprintf(e->entry, sizeof e->entry, "%s/%s", root, name);
    CHECK_EQ(mkdir(e->entry, 0700), 0);
    write_file(e->entry, "provider", provider, strlen(provider));
    write_file(e->entry, "generation", "7\n", 2);
    write_file(e->entry, "inblob", "", 0);
    write_file(e->entry, "privlevel", "", 0);
    write_file(e->entry, "privlevel_floor", "0\n", 2);
    char path[1200];
    snprintf(path, sizeof path, "%s/outblob", e->entry);
    CHECK_EQ(mkfifo(path, 0600), 0);
    snprintf(path, sizeof path, "%s/auxblob", e->entry);
    CHECK_EQ(mkfifo(path, 0600), 0);
}

static void clear_entry(tsm_emu_t *e)
{
    static const char *const names[] = {"provider", "generation", "inblob", "privlevel",
                                        "privlevel_floor", "outblob", "auxblob"};
    char path[1200];
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(names); i++) {
        snprintf(path, sizeof path, "%s/%s", e->entry, names[i]);
        unlink(path);
    }
    rmdir(e->entry);
}

static tcvm_status_t tsm_run(tsm_emu_t *e, const char *root, const char *entry, bool set_vmpl,
                             const uint8_t *rd, tcvm_attest_evidence_t **out, tcvm_error_t *err)
{
    pthread_t th;
    atomic_store(&e->stop, false);
    CHECK_EQ(pthread_create(&th, NULL, tsm_thread, e), 0);
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    cfg.tsm_root = root;
    cfg.tsm_entry = entry;
    cfg.device = "/nonexistent/sev-guest";
    cfg.set_vmpl = set_vmpl;
    cfg.vmpl = 1;
    tcvm_attest_provider_t *p;
    tcvm_status_t st = tcvm_attest_provider_open("sev-snp", &cfg, &p, err);
    if (st == TCVM_OK) {
        st = tcvm_attest_provider_get(p, rd, out, err);
        CHECK_STREQ(tcvm_attest_provider_interface(p), "configfs-tsm");
        tcvm_attest_provider_destroy(p);
    }
    atomic_store(&e->stop, true);
    CHECK_EQ(pthread_join(th, NULL), 0);
    return st;
}

TEST(attest_configfs_tsm)
{
    char root[1024];
    attest_temp_dir(root, sizeof root);
    static tsm_emu_t e;
    memset(&e, 0, sizeof e);
    snprintf(e.keys, sizeof e.keys, "%s/simkeys", root);
    uint8_t rd[64];
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)(0xa0 + i);
    tcvm_error_t err;
    tcvm_attest_evidence_t *ev = NULL;

    /* the report and the auxblob certificates */
    make_entry(root, "r1", &e, "sev_guest\n");
    e.with_certs = true;
    CHECK_OK(tsm_run(&e, root, "r1", false, rd, &ev, &err));
    CHECK_EQ(e.served, 1);
    CHECK_EQ(tcvm_attest_evidence_tee(ev), TCVM_ATTEST_TEE_SEV_SNP);
    CHECK_MEM(tcvm_attest_evidence_report(ev) + 0x50, rd, 64);
    CHECK_EQ(tcvm_attest_evidence_cert_count(ev), 3);
    uint8_t got[8];
    CHECK_EQ(read_small(e.entry, "inblob", got, sizeof got), 8); /* 64 bytes were written */
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, (int64_t)time(NULL));
    tcvm_attest_result_t res;
    p.has_report_data = true;
    memcpy(p.report_data, rd, 64);
    /* labelled sev-snp by the provider, but its chain is the sim's: refused unless allowed */
    CHECK_STREQ(snp_verify(ev, &p, NULL, &res), "simulated");
    p.allow_simulated = true;
    CHECK_STREQ(snp_verify(ev, &p, NULL, &res), "ok");
    tcvm_attest_evidence_destroy(ev);
    ev = NULL;

    /* privlevel: written before inblob, two generations */
    e.served = 0;
    CHECK_OK(tsm_run(&e, root, "r1", true, rd, &ev, &err));
    uint8_t level[4] = {0};
    CHECK_EQ(read_small(e.entry, "privlevel", level, sizeof level), 2);
    CHECK_MEM(level, "1\n", 2);
    tcvm_snp_report_t r;
    CHECK_OK(tcvm_snp_report_decode(tcvm_attest_evidence_report(ev), TCVM_SNP_REPORT_SIZE, &r,
                                    &err));
    CHECK_EQ(r.vmpl, 1);
    tcvm_attest_evidence_destroy(ev);
    ev = NULL;

    /* an empty auxblob: no certificates */
    e.with_certs = false;
    CHECK_OK(tsm_run(&e, root, "r1", false, rd, &ev, &err));
    CHECK_EQ(tcvm_attest_evidence_cert_count(ev), 0);
    tcvm_attest_evidence_destroy(ev);
    ev = NULL;

    /* another writer raced on the entry */
    e.extra_generation = 1;
    CHECK_STATUS(tsm_run(&e, root, "r1", false, rd, &ev, &err), TCVM_ATTEST_PROVIDER);
    CHECK_CONTAINS(err.message, "someone else");
    e.extra_generation = 0;

    /* the firmware refused: nothing to read */
    e.refuse = true;
    CHECK_STATUS(tsm_run(&e, root, "r1", false, rd, &ev, &err), TCVM_ATTEST_PROVIDER);
    CHECK_CONTAINS(err.message, "outblob has 0 bytes");
    e.refuse = false;
    clear_entry(&e);

    /* a TDX guest's TSM */
    make_entry(root, "r2", &e, "tdx_guest\n");
    CHECK_STATUS(tsm_run(&e, root, "r2", false, rd, &ev, &err), TCVM_ATTEST_PROVIDER);
    CHECK_CONTAINS(err.message, "tdx_guest");
    clear_entry(&e);

    /* a fresh entry in a directory that is not configfs: attributes missing, entry removed */
    snprintf(e.entry, sizeof e.entry, "%s/none", root); /* the thread finds no pipe */
    CHECK_STATUS(tsm_run(&e, root, NULL, false, rd, &ev, &err), TCVM_ENOENT);
    CHECK_CONTAINS(err.message, "provider");
    DIR *d = opendir(root);
    CHECK(d != NULL);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        CHECK(strncmp(de->d_name, "2cvm-", 5) != 0); /* the provider removed its entry */
    closedir(d);

    /* no interface at all */
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    cfg.tsm_root = "/nonexistent/tsm";
    cfg.device = "/nonexistent/sev-guest";
    tcvm_attest_provider_t *prov;
    CHECK_STATUS(tcvm_attest_provider_open("sev-snp", &cfg, &prov, &err), TCVM_ATTEST_PROVIDER);
    CHECK_CONTAINS(err.message, "is this an SEV-SNP guest");
    CHECK_STATUS(tcvm_attest_provider_open("tdx", &cfg, &prov, &err), TCVM_EINVAL);
    attest_rm_tree(root);
}

/* ---- /dev/sev-guest ----------------------------------------------------------------------- */

static struct {
    char keys[1100];
    uint32_t need_certs_len; /* > buffer: answer EIO/INVALID_LEN with this length */
    bool no_ext;             /* a kernel without SNP_GET_EXT_REPORT */
    uint32_t fw_error;       /* > 0: the firmware fails the request */
    uint32_t rsp_status;     /* MSG_REPORT_RSP status */
    uint32_t rsp_size;       /* MSG_REPORT_RSP report_size */
    int calls, ext_calls;
} drv;

/* The driver: validates the request as the kernel does and answers like the firmware. */
static int fake_ioctl(int fd, unsigned long request, void *arg)
{
    (void)fd;
    struct tcvm__snp_guest_request_ioctl *req = arg;
    drv.calls++;
    if (request != TCVM__SNP_GET_REPORT && request != TCVM__SNP_GET_EXT_REPORT) {
        errno = ENOTTY;
        return -1;
    }
    if (req->msg_version != 1) {
        errno = EINVAL;
        return -1;
    }
    req->exitinfo2 = 0xff;
    struct tcvm__snp_report_req *rr;
    struct tcvm__snp_ext_report_req *ext = NULL;
    if (request == TCVM__SNP_GET_EXT_REPORT) {
        drv.ext_calls++;
        if (drv.no_ext) {
            errno = ENOTTY;
            return -1;
        }
        ext = (struct tcvm__snp_ext_report_req *)(uintptr_t)req->req_data;
        rr = &ext->data;
        if (ext->certs_len % TCVM__PAGE_SIZE != 0) {
            errno = EINVAL;
            return -1;
        }
        if (drv.need_certs_len > ext->certs_len) {
            ext->certs_len = drv.need_certs_len;
            req->exitinfo2 = (uint64_t)TCVM__SNP_VMM_ERR_INVALID_LEN << 32;
            errno = EIO;
            return -1;
        }
    } else {
        rr = (struct tcvm__snp_report_req *)(uintptr_t)req->req_data;
    }
    if (drv.fw_error) {
        req->exitinfo2 = drv.fw_error;
        errno = EIO;
        return -1;
    }
    tcvm_attest_evidence_t *ev = firmware(drv.keys, rr->user_data, rr->vmpl);
    uint8_t *resp = (uint8_t *)(uintptr_t)req->resp_data;
    memset(resp, 0, sizeof(struct tcvm__snp_report_resp));
    tcvm__put_le32(resp, drv.rsp_status);
    tcvm__put_le32(resp + 4, drv.rsp_size);
    memcpy(resp + 0x20, tcvm_attest_evidence_report(ev), TCVM_SNP_REPORT_SIZE);
    if (ext != NULL) {
        tcvm_buf_t table = {0};
        CHECK_OK(tcvm__cert_table_build(ev, &table));
        uint8_t *certs = (uint8_t *)(uintptr_t)ext->certs_address;
        memset(certs, 0, ext->certs_len);
        CHECK(table.size <= ext->certs_len);
        memcpy(certs, table.data, table.size);
        tcvm__buf_free(&table);
    }
    tcvm_attest_evidence_destroy(ev);
    req->exitinfo2 = 0;
    return 0;
}

static tcvm_status_t ioctl_run(tcvm_attest_provider_t *p, const uint8_t *rd,
                               tcvm_attest_evidence_t **out, tcvm_error_t *err)
{
    tcvm_status_t st = tcvm_attest_provider_get(p, rd, out, err);
    CHECK_STREQ(tcvm_attest_provider_interface(p), "sev-guest ioctl");
    return st;
}

TEST(attest_sev_guest_ioctl)
{
    char root[1024], device[1100];
    attest_temp_dir(root, sizeof root);
    snprintf(drv.keys, sizeof drv.keys, "%s/simkeys", root);
    snprintf(device, sizeof device, "%s/sev-guest", root);
    write_file(root, "sev-guest", "", 0); /* stands in for the device node */
    int (*real_ioctl)(int, unsigned long, void *) = tcvm__sev_guest_ioctl;
    tcvm__sev_guest_ioctl = fake_ioctl;
    drv.rsp_size = TCVM_SNP_REPORT_SIZE;
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    cfg.tsm_root = "/nonexistent/tsm";
    cfg.device = device;
    tcvm_attest_provider_t *p;
    tcvm_error_t err;
    CHECK_OK(tcvm_attest_provider_open("sev-snp", &cfg, &p, &err));
    uint8_t rd[64];
    memset(rd, 0x3c, sizeof rd);
    tcvm_attest_evidence_t *ev;

    /* extended report with certificates */
    CHECK_OK(ioctl_run(p, rd, &ev, &err));
    CHECK_EQ(tcvm_attest_evidence_cert_count(ev), 3);
    CHECK_MEM(tcvm_attest_evidence_report(ev) + 0x50, rd, 64);
    tcvm_attest_policy_t pol;
    tcvm_attest_policy_init(&pol, (int64_t)time(NULL));
    pol.allow_simulated = true;
    CHECK_STREQ(snp_verify(ev, &pol, NULL, NULL), "ok");
    tcvm_attest_evidence_destroy(ev);

    /* the host's certificates need a larger buffer: one retry with the length it names */
    drv.need_certs_len = 5 * TCVM__PAGE_SIZE;
    drv.ext_calls = 0;
    CHECK_OK(ioctl_run(p, rd, &ev, &err));
    CHECK_EQ(drv.ext_calls, 2);
    CHECK_EQ(tcvm_attest_evidence_cert_count(ev), 3);
    tcvm_attest_evidence_destroy(ev);
    drv.need_certs_len = 0;

    /* a kernel without the extended request: a plain report, no certificates */
    drv.no_ext = true;
    CHECK_OK(ioctl_run(p, rd, &ev, &err));
    CHECK_EQ(tcvm_attest_evidence_cert_count(ev), 0);
    tcvm_attest_evidence_destroy(ev);
    drv.no_ext = false;

    /* responses that are not a report */
    drv.rsp_status = 0x16;
    CHECK_STATUS(ioctl_run(p, rd, &ev, &err), TCVM_ATTEST_PROVIDER);
    CHECK_CONTAINS(err.message, "status 0x16");
    drv.rsp_status = 0;
    drv.rsp_size = 1000;
    CHECK_STATUS(ioctl_run(p, rd, &ev, &err), TCVM_ATTEST_PROVIDER);
    CHECK_CONTAINS(err.message, "report size is 1000");
    drv.rsp_size = TCVM_SNP_REPORT_SIZE;

    /* a length the kernel would never ask for is not followed */
    drv.need_certs_len = 1u << 20;
    CHECK_STATUS(ioctl_run(p, rd, &ev, &err), TCVM_ATTEST_PROVIDER);
    drv.need_certs_len = 0;
    /* ... and after a failed guest request the provider stays failed */
    CHECK_STATUS(ioctl_run(p, rd, &ev, &err), TCVM_ESTATE);
    tcvm_attest_provider_destroy(p);

    /* a firmware error: reported with its code, then refused for good */
    CHECK_OK(tcvm_attest_provider_open("sev-snp", &cfg, &p, &err));
    drv.fw_error = 0x27;
    CHECK_STATUS(ioctl_run(p, rd, &ev, &err), TCVM_ATTEST_PROVIDER);
    CHECK_CONTAINS(err.message, "firmware error 0x27");
    drv.fw_error = 0;
    CHECK_STATUS(ioctl_run(p, rd, &ev, &err), TCVM_ESTATE);
    CHECK_CONTAINS(err.message, "firmware error 0x27");
    tcvm_attest_provider_destroy(p);
    tcvm__sev_guest_ioctl = real_ioctl;
    attest_rm_tree(root);
}
