/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the attestation unit tests: read files from the shared SEV-SNP test data
 * (skipping the test loudly when it is absent), build verifiers from case files, and a fixed
 * verification time at which every real certificate of the test data is valid.
 */
#ifndef TCVM_TEST_ATTEST_UTIL_H
#define TCVM_TEST_ATTEST_UTIL_H

#include "test.h"

#include "attest/attest_internal.h"
#include "base/base.h"

#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

/* 2025-06-01 00:00:00 UTC: inside the validity of every certificate in testdata/snp. */
#define ATTEST_TEST_TIME 1748736000LL

/* Reads ../shared/testdata/snp/<rel> or skips the test. The caller frees *out. */
static inline void snp_read(const char *rel, uint8_t **out, size_t *size)
{
    char path[1024], full[1100];
    snprintf(full, sizeof full, "testdata/snp/%s", rel);
    if (tcvm_test_shared(full, path, sizeof path) == NULL)
        SKIP("SEV-SNP test data absent: %s", full);
    tcvm_error_t err;
    tcvm_status_t st = tcvm__read_file(path, TCVM_ATTEST_MAX_EVIDENCE_SIZE, out, size, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "read %s: %s", path, err.message);
}

static inline tcvm_attest_evidence_t *snp_load_report(const char *rel)
{
    uint8_t *data;
    size_t size;
    snp_read(rel, &data, &size);
    tcvm_attest_evidence_t *ev = NULL;
    tcvm_error_t err;
    tcvm_status_t st = tcvm_attest_evidence_load(data, size, &ev, NULL, &err);
    tcvm__free(data);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "load %s: %s", rel, err.message);
    return ev;
}

static inline void snp_add_certs(tcvm_attest_verifier_t *v, const char *rel)
{
    uint8_t *data;
    size_t size;
    snp_read(rel, &data, &size);
    tcvm_status_t st = tcvm_attest_verifier_add_certs(v, data, size);
    tcvm__free(data);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "certs %s: %s", rel,
                       tcvm_attest_verifier_error(v)->message);
}

/* Verifies ev with a verifier holding the given cert files (NULL-terminated) under policy p;
 * returns the failed check name or "ok", and copies the result if res is not NULL. */
static inline const char *snp_verify(const tcvm_attest_evidence_t *ev,
                                     const tcvm_attest_policy_t *p, const char *const *certs,
                                     tcvm_attest_result_t *res)
{
    tcvm_attest_verifier_t *v;
    CHECK_OK(tcvm_attest_verifier_new(p, &v));
    for (size_t i = 0; certs && certs[i]; i++)
        snp_add_certs(v, certs[i]);
    static tcvm_attest_result_t r;
    tcvm_status_t st = tcvm_attest_verifier_verify(v, ev, &r);
    tcvm_attest_verifier_destroy(v);
    if (res != NULL)
        *res = r;
    if (st == TCVM_OK) {
        CHECK(r.check == NULL);
        return "ok";
    }
    CHECK(r.check != NULL);
    return r.check;
}

static inline int attest_rm_one(const char *path, const struct stat *sb, int flag,
                                struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Makes a fresh temporary directory (removed with attest_rm_tree). */
static inline void attest_temp_dir(char *out, size_t size)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, size, "%s/tcvm-attest-XXXXXX", base && base[0] ? base : "/tmp");
    CHECK(mkdtemp(out) != NULL);
}

/* Removes a directory tree made by a test. */
static inline void attest_rm_tree(const char *dir)
{
    nftw(dir, attest_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
