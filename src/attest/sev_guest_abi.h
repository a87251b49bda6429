/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Linux /dev/sev-guest ioctl ABI (include/uapi/linux/sev-guest.h) and the layout of the
 * firmware's MSG_REPORT_RSP. These structs are handed to the kernel, so their sizes and offsets
 * are fixed by assertions here: a compiler or edit that changed them would fail to build rather
 * than talk garbage to the driver. Bytes coming back are still read with the cursor, never by
 * casting these structs over them.
 */
#ifndef TCVM_ATTEST_SEV_GUEST_ABI_H
#define TCVM_ATTEST_SEV_GUEST_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* struct snp_guest_request_ioctl */
struct tcvm__snp_guest_request_ioctl {
    uint8_t msg_version; /* must be non-zero: 1 */
    uint8_t pad[7];
    uint64_t req_data;  /* user pointer to the request */
    uint64_t resp_data; /* user pointer to the response */
    uint64_t exitinfo2; /* low 32 bits: firmware error; high 32 bits: VMM error */
};
_Static_assert(sizeof(struct tcvm__snp_guest_request_ioctl) == 32, "snp_guest_request_ioctl");
_Static_assert(offsetof(struct tcvm__snp_guest_request_ioctl, req_data) == 8, "req_data");
_Static_assert(offsetof(struct tcvm__snp_guest_request_ioctl, resp_data) == 16, "resp_data");
_Static_assert(offsetof(struct tcvm__snp_guest_request_ioctl, exitinfo2) == 24, "exitinfo2");

/* struct snp_report_req */
struct tcvm__snp_report_req {
    uint8_t user_data[64]; /* becomes REPORT_DATA */
    uint32_t vmpl;
    uint8_t rsvd[28];
};
_Static_assert(sizeof(struct tcvm__snp_report_req) == 96, "snp_report_req");
_Static_assert(offsetof(struct tcvm__snp_report_req, vmpl) == 64, "vmpl");

/* struct snp_report_resp: the firmware's MSG_REPORT_RSP, not stripped by the ioctl */
struct tcvm__snp_report_resp {
    uint8_t data[4000];
};
_Static_assert(sizeof(struct tcvm__snp_report_resp) == 4000, "snp_report_resp");

/* struct snp_ext_report_req */
struct tcvm__snp_ext_report_req {
    struct tcvm__snp_report_req data;
    uint64_t certs_address; /* user pointer to the certificate buffer */
    uint32_t certs_len;     /* a multiple of 4096; updated by the kernel when too small */
    uint32_t pad;
};
_Static_assert(sizeof(struct tcvm__snp_ext_report_req) == 112, "snp_ext_report_req");
_Static_assert(offsetof(struct tcvm__snp_ext_report_req, certs_address) == 96, "certs_address");
_Static_assert(offsetof(struct tcvm__snp_ext_report_req, certs_len) == 104, "certs_len");

#define TCVM__SNP_GET_REPORT _IOWR('S', 0x0, struct tcvm__snp_guest_request_ioctl)
#define TCVM__SNP_GET_EXT_REPORT _IOWR('S', 0x2, struct tcvm__snp_guest_request_ioctl)
_Static_assert(TCVM__SNP_GET_REPORT == 0xC0205300u, "SNP_GET_REPORT");
_Static_assert(TCVM__SNP_GET_EXT_REPORT == 0xC0205302u, "SNP_GET_EXT_REPORT");

/* exitinfo2 >> 32 */
#define TCVM__SNP_VMM_ERR_INVALID_LEN 1u
#define TCVM__SNP_VMM_ERR_BUSY 2u

/* MSG_REPORT_RSP: u32 status, u32 report_size, 24 reserved bytes, then the report. */
#define TCVM__MSG_REPORT_RSP_HEADER 0x20
#define TCVM__SEV_FW_BLOB_MAX_SIZE 0x4000 /* the kernel's limit for the certificate buffer */
#define TCVM__PAGE_SIZE 4096u

/*
 * The ioctl entry point the provider calls: ioctl(2) itself, except that the unit tests put an
 * emulation of the sev-guest driver here (there is no such device outside an SEV-SNP guest).
 */
extern int (*tcvm__sev_guest_ioctl)(int fd, unsigned long request, void *arg);

#endif
