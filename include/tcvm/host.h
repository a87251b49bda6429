/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The 2cvm runtime: the object that lives inside the confidential VM for its whole life and
 * enforces one Commitment Manifest. It is created from a complete consent bundle and a TEE
 * provider, checks at boot that the hardware binds it to that manifest (HOST_DATA = manifest
 * digest, MEASUREMENT one the manifest accepts), and from then on is locked: no call ever
 * replaces the manifest. It answers participants' requests (evidence for a nonce, the manifest,
 * status, uploads of their own assets, their outputs, the transcript), runs the job on its own
 * thread once every asset is in, and writes everything it does into a signed transcript.
 *
 * Every request function takes the participant index the caller authenticated (the TLS client
 * key looked up in the manifest); the runtime decides what that participant may do. Refusals
 * return TCVM_HOST_POLICY or TCVM_HOST_STATE with the reason in err and are recorded in the
 * transcript. All request functions are safe to call from several threads.
 */
#ifndef TCVM_HOST_H
#define TCVM_HOST_H

#include "tcvm/attest.h"
#include "tcvm/common.h"
#include "tcvm/manifest.h"
#include "tcvm/seal.h"
#include "tcvm/wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCVM_HOST_NONCE_SIZE 32
/* The REPORT_DATA domain tag (see tcvm_host_report_data). */
#define TCVM_HOST_REPORT_DATA_TAG "2cvm-report-data-v1"
/* Largest component binary the runtime accepts (the manifest gives components no size limit). */
#define TCVM_HOST_MAX_COMPONENT_SIZE ((uint64_t)64 << 20)
/* Largest asset the runtime holds, whatever the manifest allows: assets live in the VM's
 * encrypted memory, never on the host's disk. */
#define TCVM_HOST_MAX_ASSET_SIZE ((uint64_t)1 << 30)

/* The lifecycle (ARCHITECTURE.md). BOOT and LOCKED are passed inside tcvm_host_create. */
typedef enum tcvm_host_state {
    TCVM_HOST_BOOT = 0,
    TCVM_HOST_LOCKED,
    TCVM_HOST_PROVISIONING,
    TCVM_HOST_READY,
    TCVM_HOST_RUNNING,
    TCVM_HOST_DONE,
    TCVM_HOST_FAILED,
} tcvm_host_state_t;

/* "BOOT", "LOCKED", "PROVISIONING", "READY", "RUNNING", "DONE", "FAILED". */
TCVM_API const char *tcvm_host_state_name(tcvm_host_state_t state);

/*
 * REPORT_DATA of evidence served for a nonce: SHA-512 over the 19 ASCII bytes
 * "2cvm-report-data-v1", one zero byte, the 32-byte manifest digest, SHA-256 of the runtime's
 * 32-byte Ed25519 public key (its TLS and transcript key), and the 32-byte nonce.
 */
TCVM_API tcvm_status_t tcvm_host_report_data(const uint8_t manifest_digest[TCVM_DIGEST_SIZE],
                                             const uint8_t runtime_key[TCVM_SIGN_PUBLIC_SIZE],
                                             const uint8_t nonce[TCVM_HOST_NONCE_SIZE],
                                             uint8_t out[TCVM_SNP_REPORT_DATA_SIZE]);

typedef struct tcvm_host tcvm_host_t;

/*
 * Boots the runtime from a consent bundle (data, size; copied) and an opened provider (taken
 * over: destroyed with the runtime, or here on failure). Makes a fresh Ed25519 runtime key that
 * never leaves memory, reads the VM's own report and refuses to start (TCVM_HOST_POLICY, reason
 * in err) when: a participant has not consented; the provider's TEE is not the manifest's;
 * HOST_DATA is not the manifest digest; MEASUREMENT is not one the manifest accepts. On success
 * the runtime is PROVISIONING (or READY when the manifest names no asset).
 */
TCVM_API tcvm_status_t tcvm_host_create(const uint8_t *bundle, size_t size,
                                        tcvm_attest_provider_t *provider, tcvm_host_t **out,
                                        tcvm_error_t *err);

/* Which engine tier runs the job's components. */
typedef enum tcvm_host_tier {
    TCVM_HOST_TIER_AUTO = 0,   /* AOT when it can run this manifest, else the interpreter */
    TCVM_HOST_TIER_INTERP = 1, /* the interpreter (meters fuel) */
    TCVM_HOST_TIER_AOT = 2,    /* ahead-of-time compiled code (wasm2c + cc, cached) */
} tcvm_host_tier_t;

/*
 * Chooses the tier of the job; allowed until the job starts (TCVM_HOST_STATE after). A runtime
 * starts with AUTO: the AOT tier when wasm2c and a C compiler are present and no component of
 * the manifest has a fuel limit (fuel is counted by the interpreter only; time and memory limits
 * hold on both tiers), the interpreter otherwise. TCVM_HOST_TIER_AOT is refused
 * (TCVM_HOST_POLICY) when a component has a fuel limit, and (TCVM_EUNSUPPORTED) when the AOT
 * tier cannot build code on this machine. A manifest that names no asset starts its job at
 * once, with AUTO.
 */
TCVM_API tcvm_status_t tcvm_host_set_tier(tcvm_host_t *h, tcvm_host_tier_t tier,
                                          tcvm_error_t *err);

/* The tier the job runs (or will run) on: TCVM_TIER_INTERP or TCVM_TIER_AOT. */
TCVM_API tcvm_tier_t tcvm_host_tier(const tcvm_host_t *h);

/* Stops the job thread (waiting for it), wipes assets and keys, frees; accepts NULL. */
TCVM_API void tcvm_host_destroy(tcvm_host_t *h);

/* The locked manifest (owned by the runtime). */
TCVM_API const tcvm_manifest_t *tcvm_host_manifest(const tcvm_host_t *h);

/* The runtime's Ed25519 key (TLS server key and transcript head key; owned by the runtime). */
TCVM_API const tcvm_sign_key_t *tcvm_host_key(const tcvm_host_t *h);

TCVM_API tcvm_host_state_t tcvm_host_state(const tcvm_host_t *h);

/* The reason the job failed ("" unless FAILED), copied into out (NUL-terminated). */
TCVM_API void tcvm_host_failure(const tcvm_host_t *h, char *out, size_t out_size);

/* Waits until the job is DONE or FAILED or timeout_ms passes; returns the state then. */
TCVM_API tcvm_host_state_t tcvm_host_wait(tcvm_host_t *h, uint64_t timeout_ms);

/* ---- requests (participant = index of the authenticated participant) --------------------- */

/* Fresh evidence (2cvm evidence format, caller frees with tcvm_seal_free) for nonce. */
TCVM_API tcvm_status_t tcvm_host_evidence(tcvm_host_t *h, size_t participant,
                                          const uint8_t nonce[TCVM_HOST_NONCE_SIZE],
                                          uint8_t **out, size_t *out_size, tcvm_error_t *err);

/* The consent bundle the runtime was locked with (JSON, caller frees with tcvm_seal_free). */
TCVM_API tcvm_status_t tcvm_host_bundle(tcvm_host_t *h, char **out, size_t *out_size);

/* The status as JSON (state, failure, every asset and whether it is in, the outputs this
 * participant receives), caller frees with tcvm_seal_free. */
TCVM_API tcvm_status_t tcvm_host_status_json(tcvm_host_t *h, size_t participant, char **out,
                                             size_t *out_size);

/* What an upload is for. */
typedef enum tcvm_host_asset_kind {
    TCVM_HOST_COMPONENT = 1,
    TCVM_HOST_INPUT = 2,
} tcvm_host_asset_kind_t;

/* "component" or "input". */
TCVM_API const char *tcvm_host_asset_kind_name(tcvm_host_asset_kind_t kind);

/*
 * The largest body an upload of (kind, id) may have (its manifest limit, capped by the
 * runtime's), or 0 when no such asset exists. Lets the network layer refuse early.
 */
TCVM_API uint64_t tcvm_host_asset_limit(const tcvm_host_t *h, tcvm_host_asset_kind_t kind,
                                        const char *id);

/*
 * Takes a complete upload of asset (kind, id) by participant, whose SHA-256 the uploader states
 * in claimed_digest. Accepted only when: the runtime is PROVISIONING; the asset exists and
 * belongs to participant; it is not already in; size is within its limit; the SHA-256 of data
 * equals claimed_digest and the manifest's digest when it names one (TCVM_ELIMIT for a size
 * over the limit, TCVM_HOST_STATE when closed, TCVM_HOST_POLICY otherwise). data is copied.
 * This is the upload in one part (tcvm_host_upload_part). When the last asset arrives the
 * runtime becomes READY and starts the job on its own thread.
 */
TCVM_API tcvm_status_t tcvm_host_upload(tcvm_host_t *h, size_t participant,
                                        tcvm_host_asset_kind_t kind, const char *id,
                                        const uint8_t *data, size_t size,
                                        const uint8_t claimed_digest[TCVM_DIGEST_SIZE],
                                        tcvm_error_t *err);

/*
 * One part of a streamed upload. An upload is a sequence of parts in order: the first at offset
 * 0, each next one at the number of bytes received so far, the last one flagged and carrying
 * the SHA-256 the uploader states for the whole asset. tag names the connection the part came
 * on (0 for none): tcvm_host_upload_drop(tag) discards the sessions it carries.
 */
typedef struct tcvm_host_upload_part {
    uint64_t offset;
    const uint8_t *data; /* copied */
    size_t size;
    bool last;
    const uint8_t *claimed_digest; /* TCVM_DIGEST_SIZE bytes; required when last */
    uintptr_t tag;
} tcvm_host_upload_part_t;

/*
 * Takes one part of an upload of asset (kind, id) by participant, under the rules of
 * tcvm_host_upload. The runtime keeps one session per asset, hashing the bytes as they arrive.
 * A part at offset 0 starts a session (discarding the owner's earlier one, recorded); any
 * other part must come with the session's tag and at the bytes received so far
 * (TCVM_HOST_STATE otherwise; the session stays). So of two uploads of one asset at once,
 * exactly one can finish: each new session ends the other.
 * A part that takes the total past the asset's limit is refused (TCVM_ELIMIT) and the session
 * discarded, before any further byte is taken. The last part checks the digest against the
 * uploader's and the manifest's and commits the asset at once; any refusal then discards the
 * session. *out_received (optional) is the total received after the part.
 */
TCVM_API tcvm_status_t tcvm_host_upload_part(tcvm_host_t *h, size_t participant,
                                             tcvm_host_asset_kind_t kind, const char *id,
                                             const tcvm_host_upload_part_t *part,
                                             uint64_t *out_received, tcvm_error_t *err);

/* Discards (and records) every upload session whose last part came with tag: the connection is
 * gone. Nothing of such an upload is left; the owner may upload again from offset 0. */
TCVM_API void tcvm_host_upload_drop(tcvm_host_t *h, uintptr_t tag);

/*
 * Records a refusal made before the request reached the runtime (a TLS client that is not a
 * participant, a malformed request), so the transcript shows it. participant may be
 * TCVM_HOST_NOBODY for a client that did not authenticate.
 */
#define TCVM_HOST_NOBODY ((size_t)-1)
TCVM_API void tcvm_host_record_refusal(tcvm_host_t *h, size_t participant, const char *request,
                                       const char *reason);

/* The outputs participant receives, as JSON (id, state, size and SHA-256 of the sealed file),
 * caller frees with tcvm_seal_free. */
TCVM_API tcvm_status_t tcvm_host_outputs_json(tcvm_host_t *h, size_t participant, char **out,
                                              size_t *out_size);

/* The sealed (age) output id, if participant is one of its recipients and the job is DONE.
 * Caller frees with tcvm_seal_free. */
TCVM_API tcvm_status_t tcvm_host_output(tcvm_host_t *h, size_t participant, const char *id,
                                        uint8_t **out, size_t *out_size, tcvm_error_t *err);

/* The sealed (age) log of component, for its owner only, once the job is DONE (tcvm:host/log).
 * Caller frees with tcvm_seal_free. */
TCVM_API tcvm_status_t tcvm_host_log(tcvm_host_t *h, size_t participant, const char *component,
                                     uint8_t **out, size_t *out_size, tcvm_error_t *err);

/* The transcript with a head signed now (caller frees with tcvm_seal_free). */
TCVM_API tcvm_status_t tcvm_host_transcript(tcvm_host_t *h, char **out, size_t *out_size);

#ifdef __cplusplus
}
#endif

#endif
