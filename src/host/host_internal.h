/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the runtime's parts share inside src/host/: the job (job.c) reads the assets the
 * runtime holds, hands back the plaintext of each output it wrote, and records events in the
 * transcript, all through these calls. Not API.
 */
#ifndef TCVM_HOST_INTERNAL_H
#define TCVM_HOST_INTERNAL_H

#include "base/base.h"
#include "tcvm/host.h"
#include "tcvm/transcript.h"

/* The bytes of an asset that is in (borrowed; stable while the job runs). NULL if absent. */
const uint8_t *tcvm__host_asset(tcvm_host_t *h, tcvm_host_asset_kind_t kind, size_t index,
                                size_t *out_size);

/* Appends an event to the transcript under the runtime's lock. */
void tcvm__host_record(tcvm_host_t *h, const char *type, const tcvm_transcript_field_t *fields,
                       size_t count);

/* What a job leaves behind: one plaintext buffer per manifest output (empty when not written)
 * and one log per component (for its owner), with the count of log lines dropped over the cap. */
typedef struct tcvm_host_job_outputs {
    tcvm_buf_t *bufs; /* manifest output_count entries */
    size_t count;
    tcvm_buf_t *logs;       /* manifest component_count entries */
    uint64_t *log_dropped;  /* manifest component_count entries */
} tcvm_host_job_outputs_t;

/*
 * Runs the job on the runtime's job thread once every asset is in: validates and instantiates
 * each component in its own sandbox, links only manifest channels and tcvm:host, calls the
 * entry, and writes outputs into out (sized by the caller). Returns TCVM_OK, or the failure with
 * its reason in err; after a failure out is discarded unread.
 */
tcvm_status_t tcvm__host_job_run(tcvm_host_t *h, tcvm_host_job_outputs_t *out, tcvm_error_t *err);

#endif
