/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A runtime to test against: the manifest fixture turned into a `sim` agreement whose
 * components all have the digest of HOST_COMPONENT_BYTES (and records-a a 1 KiB limit), signed
 * by the example keys, booted with the sim TEE from a temporary key directory.
 */
#ifndef TCVM_TEST_HOST_FIXTURE_H
#define TCVM_TEST_HOST_FIXTURE_H

#include "manifest_fixture.h"

#include "tcvm/host.h"
#include "tcvm/transcript.h"

#define HOST_COMPONENT_BYTES "not really a component"

typedef struct host_fixture {
    char dir[64];
    char *manifest;
    tcvm_manifest_t *m;
} host_fixture_t;

/* The sim manifest, with the first occurrence of from replaced by to (both NULL: none). */
char *host_manifest(const char *from, const char *to);

void host_sha256(const uint8_t *data, size_t size, uint8_t out[32]);

void host_fixture_init(host_fixture_t *f, const char *manifest);

/* Boots a runtime: the first `signers` participants consent; HOST_DATA and the measurement are
 * the manifest's or not. */
tcvm_status_t host_fixture_boot(host_fixture_t *f, int signers, bool right_host_data,
                                bool right_measurement, tcvm_host_t **out, tcvm_error_t *err);

/* Uploads every asset not yet in, by its owner. */
void host_fixture_upload_rest(host_fixture_t *f, tcvm_host_t *h);

void host_fixture_done(host_fixture_t *f);

#endif
