/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime object (tcvm/host.h): boot checks, the lifecycle, the assets participants upload,
 * the sealed outputs, the transcript, and the job thread. One mutex guards all mutable state;
 * no request holds it while doing slow work (hashing an upload, asking the TEE for a report,
 * sealing), so concurrent clients and the job do not wait for each other beyond a copy. The
 * policy checks that decide who may do what are here, each next to the request it guards.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "base/base.h"
#include "crypto/crypto.h"
#include "host/host_internal.h"
#include "tcvm/transcript.h"

typedef struct asset {
    tcvm_host_asset_kind_t kind;
    size_t index; /* into the manifest's components or inputs */
    const char *id;
    size_t owner;
    uint64_t limit;
    bool has_digest;
    const uint8_t *digest; /* the manifest's, when has_digest */
    bool present;
    uint8_t *data;
    size_t size;
    uint8_t sha256[TCVM_DIGEST_SIZE];
} asset_t;

typedef struct sealed_output {
    bool present;
    uint8_t *data; /* age file */
    size_t size;
    uint8_t sha256[TCVM_DIGEST_SIZE]; /* of the sealed file */
    uint64_t plain_size;
} sealed_output_t;

struct tcvm_host {
    tcvm_bundle_t *bundle;
    const tcvm_manifest_t *m;
    tcvm_attest_provider_t *provider;
    pthread_mutex_t provider_lock; /* one report request at a time */
    tcvm_sign_key_t *key;
    uint8_t key_public[TCVM_SIGN_PUBLIC_SIZE];
    tcvm_transcript_t *transcript;

    pthread_mutex_t lock; /* everything below */
    pthread_cond_t changed;
    tcvm_host_state_t state;
    char failure[TCVM_ERROR_MSG_SIZE];
    asset_t *assets;
    size_t asset_count;
    size_t assets_in;
    sealed_output_t *outputs;
    sealed_output_t *logs; /* per component, sealed to its owner */
    bool job_started;
    pthread_t job;
};

static const char *const state_names[] = {"BOOT",    "LOCKED", "PROVISIONING", "READY",
                                          "RUNNING", "DONE",   "FAILED"};

const char *tcvm_host_state_name(tcvm_host_state_t state)
{
    return (unsigned)state < TCVM__ARRAY_COUNT(state_names) ? state_names[state] : "UNKNOWN";
}

const char *tcvm_host_asset_kind_name(tcvm_host_asset_kind_t kind)
{
    return kind == TCVM_HOST_COMPONENT ? "component" : kind == TCVM_HOST_INPUT ? "input" : "?";
}

tcvm_status_t tcvm_host_report_data(const uint8_t manifest_digest[TCVM_DIGEST_SIZE],
                                    const uint8_t runtime_key[TCVM_SIGN_PUBLIC_SIZE],
                                    const uint8_t nonce[TCVM_HOST_NONCE_SIZE],
                                    uint8_t out[TCVM_SNP_REPORT_DATA_SIZE])
{
    uint8_t msg[sizeof TCVM_HOST_REPORT_DATA_TAG + 32 + 32 + 32];
    size_t n = sizeof TCVM_HOST_REPORT_DATA_TAG; /* the tag and its NUL */
    memcpy(msg, TCVM_HOST_REPORT_DATA_TAG, n);
    memcpy(msg + n, manifest_digest, 32);
    n += 32;
    tcvm_status_t st = tcvm__sha256(runtime_key, TCVM_SIGN_PUBLIC_SIZE, msg + n);
    if (st != TCVM_OK)
        return st;
    n += 32;
    memcpy(msg + n, nonce, 32);
    n += 32;
    return tcvm__hash(TCVM_HASH_SHA512, msg, n, out);
}

/* ---- locking and the transcript ------------------------------------------------------- */

static void record_locked(tcvm_host_t *h, const char *type, const tcvm_transcript_field_t *f,
                          size_t count)
{
    /* A transcript that cannot take a record (out of memory, over its caps) cannot be allowed
     * to hide an event: the runtime stops serving by failing the job. */
    if (tcvm_transcript_append(h->transcript, type, f, count) != TCVM_OK &&
        h->state != TCVM_HOST_FAILED && h->state != TCVM_HOST_DONE) {
        h->state = TCVM_HOST_FAILED;
        snprintf(h->failure, sizeof h->failure, "the transcript refused a record (%.64s): %.400s", type,
                 tcvm_transcript_error(h->transcript)->message);
    }
}

void tcvm__host_record(tcvm_host_t *h, const char *type, const tcvm_transcript_field_t *fields,
                       size_t count)
{
    pthread_mutex_lock(&h->lock);
    record_locked(h, type, fields, count);
    pthread_mutex_unlock(&h->lock);
}

static void set_state_locked(tcvm_host_t *h, tcvm_host_state_t to)
{
    tcvm_transcript_field_t f[] = {
        TCVM_TFIELD_STR("from", tcvm_host_state_name(h->state)),
        TCVM_TFIELD_STR("to", tcvm_host_state_name(to)),
    };
    record_locked(h, "state.changed", f, 2);
    h->state = to;
    pthread_cond_broadcast(&h->changed);
}

static const char *participant_id(const tcvm_host_t *h, size_t p)
{
    return p < h->m->participant_count ? h->m->participants[p].id : "(not a participant)";
}

/* Records a refusal and returns it with the message in err. */
static tcvm_status_t refuse_locked(tcvm_host_t *h, size_t participant, const char *type,
                                   const char *request, tcvm_error_t *err, tcvm_status_t st,
                                   const char *fmt, ...) TCVM__PRINTF(7, 8);
static tcvm_status_t refuse_locked(tcvm_host_t *h, size_t participant, const char *type,
                                   const char *request, tcvm_error_t *err, tcvm_status_t st,
                                   const char *fmt, ...)
{
    char reason[TCVM_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    tcvm_transcript_field_t f[] = {
        TCVM_TFIELD_STR("participant", participant_id(h, participant)),
        TCVM_TFIELD_STR("request", request),
        TCVM_TFIELD_STR("reason", reason),
    };
    record_locked(h, type, f, 3);
    return tcvm__errorf(err, st, "%s", reason);
}

void tcvm_host_record_refusal(tcvm_host_t *h, size_t participant, const char *request,
                              const char *reason)
{
    pthread_mutex_lock(&h->lock);
    (void)refuse_locked(h, participant, "request.refused", request, NULL, TCVM_HOST_POLICY, "%s",
                        reason);
    pthread_mutex_unlock(&h->lock);
}

/* ---- boot ------------------------------------------------------------------------------- */

static tcvm_status_t boot_check(tcvm_host_t *h, tcvm_error_t *err)
{
    const tcvm_manifest_t *m = h->m;
    uint8_t nonce[TCVM_HOST_NONCE_SIZE] = {0};
    uint8_t rd[TCVM_SNP_REPORT_DATA_SIZE];
    tcvm_attest_evidence_t *ev = NULL;
    tcvm_snp_report_t *report = tcvm__malloc(sizeof *report);
    tcvm_status_t st = report ? tcvm_host_report_data(m->digest, h->key_public, nonce, rd)
                              : TCVM_ENOMEM;
    if (st != TCVM_OK)
        goto done;
    st = tcvm_attest_provider_get(h->provider, rd, &ev, err);
    if (st != TCVM_OK)
        goto done;
    st = tcvm_snp_report_decode(tcvm_attest_evidence_report(ev), TCVM_SNP_REPORT_SIZE, report,
                                err);
    if (st != TCVM_OK)
        goto done;
    tcvm_attest_tee_t tee = tcvm_attest_evidence_tee(ev);
    bool tee_ok = (m->runtime.tee == TCVM_TEE_SIM && tee == TCVM_ATTEST_TEE_SIM) ||
                  (m->runtime.tee == TCVM_TEE_SEV_SNP && tee == TCVM_ATTEST_TEE_SEV_SNP);
    if (!tee_ok) {
        st = tcvm__errorf(err, TCVM_HOST_POLICY,
                          "refusing to start: the manifest accepts the %s TEE, this runtime's "
                          "provider is %s",
                          m->runtime.tee == TCVM_TEE_SIM ? "sim" : "sev-snp",
                          tcvm_attest_tee_name(tee) ? tcvm_attest_tee_name(tee) : "unknown");
        goto done;
    }
    if (!tcvm__ct_equal(report->host_data, m->digest, TCVM_DIGEST_SIZE)) {
        char want[65], got[65];
        tcvm__hex_encode(m->digest, 32, want, sizeof want);
        tcvm__hex_encode(report->host_data, 32, got, sizeof got);
        st = tcvm__errorf(err, TCVM_HOST_POLICY,
                          "refusing to start: HOST_DATA of this VM is %s, not the manifest "
                          "digest %s (the VM was launched for another agreement)",
                          got, want);
        goto done;
    }
    bool measured = false;
    for (size_t i = 0; i < m->runtime.measurement_count && !measured; i++)
        measured = memcmp(report->measurement, m->runtime.measurements[i],
                          TCVM_SNP_MEASUREMENT_SIZE) == 0;
    if (!measured) {
        char got[97];
        tcvm__hex_encode(report->measurement, 48, got, sizeof got);
        st = tcvm__errorf(err, TCVM_HOST_POLICY,
                          "refusing to start: this VM's launch measurement %s is not one the "
                          "manifest accepts",
                          got);
        goto done;
    }
    char pub[TCVM_SIGN_PUBLIC_TEXT_SIZE];
    tcvm_sign_public_format(h->key_public, pub);
    tcvm_transcript_field_t f[] = {
        TCVM_TFIELD_STR("version", TCVM_VERSION_STRING),
        TCVM_TFIELD_STR("tee", tcvm_attest_tee_name(tee)),
        TCVM_TFIELD_STR("interface", tcvm_attest_provider_interface(h->provider)),
        TCVM_TFIELD_HEX("measurement", report->measurement, TCVM_SNP_MEASUREMENT_SIZE),
        TCVM_TFIELD_STR("runtime_key", pub),
    };
    record_locked(h, "runtime.start", f, 5);
    tcvm_transcript_field_t g[] = {
        TCVM_TFIELD_STR("name", m->name),
        TCVM_TFIELD_HEX("sha256", m->digest, TCVM_DIGEST_SIZE),
        TCVM_TFIELD_U64("participants", m->participant_count),
        TCVM_TFIELD_U64("consents", tcvm_bundle_signed_count(h->bundle)),
    };
    record_locked(h, "manifest.locked", g, 4);
done:
    tcvm__free(report);
    tcvm_attest_evidence_destroy(ev);
    return st;
}

static tcvm_status_t make_assets(tcvm_host_t *h)
{
    const tcvm_manifest_t *m = h->m;
    h->asset_count = m->component_count + m->input_count;
    h->assets = tcvm__calloc(h->asset_count ? h->asset_count : 1, sizeof *h->assets);
    h->outputs = tcvm__calloc(m->output_count ? m->output_count : 1, sizeof *h->outputs);
    h->logs = tcvm__calloc(m->component_count, sizeof *h->logs);
    if (h->assets == NULL || h->outputs == NULL || h->logs == NULL)
        return TCVM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < m->component_count; i++, k++) {
        asset_t *a = &h->assets[k];
        a->kind = TCVM_HOST_COMPONENT;
        a->index = i;
        a->id = m->components[i].id;
        a->owner = m->components[i].owner;
        a->limit = TCVM_HOST_MAX_COMPONENT_SIZE;
        a->has_digest = true;
        a->digest = m->components[i].digest;
    }
    for (size_t i = 0; i < m->input_count; i++, k++) {
        asset_t *a = &h->assets[k];
        a->kind = TCVM_HOST_INPUT;
        a->index = i;
        a->id = m->inputs[i].id;
        a->owner = m->inputs[i].owner;
        a->limit = m->inputs[i].max_size < TCVM_HOST_MAX_ASSET_SIZE ? m->inputs[i].max_size
                                                                     : TCVM_HOST_MAX_ASSET_SIZE;
        a->has_digest = m->inputs[i].has_digest;
        a->digest = m->inputs[i].digest;
    }
    return TCVM_OK;
}

static void start_job_locked(tcvm_host_t *h);

tcvm_status_t tcvm_host_create(const uint8_t *bundle, size_t size,
                               tcvm_attest_provider_t *provider, tcvm_host_t **out,
                               tcvm_error_t *err)
{
    tcvm_host_t *h = tcvm__calloc(1, sizeof *h);
    if (h == NULL) {
        tcvm_attest_provider_destroy(provider);
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    h->provider = provider;
    pthread_mutex_init(&h->lock, NULL);
    pthread_mutex_init(&h->provider_lock, NULL);
    pthread_cond_init(&h->changed, NULL);
    h->state = TCVM_HOST_BOOT;
    tcvm_status_t st = tcvm_bundle_parse(bundle, size, &h->bundle, err);
    if (st != TCVM_OK)
        goto fail;
    h->m = tcvm_bundle_manifest(h->bundle);
    if (!tcvm_bundle_complete(h->bundle)) {
        char missing[256] = "";
        size_t len = 0;
        for (size_t i = 0; i < h->m->participant_count && len < sizeof missing - 70; i++) {
            if (!tcvm_bundle_has_signed(h->bundle, i))
                len += (size_t)snprintf(missing + len, sizeof missing - len, "%s%s",
                                        len ? ", " : "", h->m->participants[i].id);
        }
        st = tcvm__errorf(err, TCVM_HOST_POLICY,
                          "refusing to start: the bundle lacks the consent of %s", missing);
        goto fail;
    }
    st = tcvm_sign_key_generate(&h->key);
    if (st != TCVM_OK) {
        tcvm__errorf(err, st, "cannot make the runtime key");
        goto fail;
    }
    tcvm_sign_key_public(h->key, h->key_public);
    st = tcvm_transcript_create(h->key, &h->transcript);
    if (st == TCVM_OK)
        st = make_assets(h);
    if (st != TCVM_OK) {
        tcvm__errorf(err, st, "out of memory");
        goto fail;
    }
    st = boot_check(h, err);
    if (st != TCVM_OK)
        goto fail;
    pthread_mutex_lock(&h->lock);
    set_state_locked(h, TCVM_HOST_LOCKED);
    set_state_locked(h, TCVM_HOST_PROVISIONING);
    if (h->asset_count == 0)
        start_job_locked(h);
    pthread_mutex_unlock(&h->lock);
    *out = h;
    return TCVM_OK;
fail:
    tcvm_host_destroy(h);
    return st;
}

void tcvm_host_destroy(tcvm_host_t *h)
{
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->lock);
    bool join = h->job_started;
    pthread_mutex_unlock(&h->lock);
    if (join)
        pthread_join(h->job, NULL);
    for (size_t i = 0; h->assets && i < h->asset_count; i++) {
        if (h->assets[i].data) {
            tcvm__wipe(h->assets[i].data, h->assets[i].size);
            tcvm__free(h->assets[i].data);
        }
    }
    tcvm__free(h->assets);
    for (size_t i = 0; h->outputs && h->m && i < h->m->output_count; i++)
        tcvm__free(h->outputs[i].data);
    tcvm__free(h->outputs);
    for (size_t i = 0; h->logs && h->m && i < h->m->component_count; i++)
        tcvm__free(h->logs[i].data);
    tcvm__free(h->logs);
    tcvm_transcript_destroy(h->transcript);
    tcvm_sign_key_destroy(h->key);
    tcvm_bundle_destroy(h->bundle);
    tcvm_attest_provider_destroy(h->provider);
    pthread_cond_destroy(&h->changed);
    pthread_mutex_destroy(&h->provider_lock);
    pthread_mutex_destroy(&h->lock);
    tcvm__free(h);
}

const tcvm_manifest_t *tcvm_host_manifest(const tcvm_host_t *h)
{
    return h->m;
}

const tcvm_sign_key_t *tcvm_host_key(const tcvm_host_t *h)
{
    return h->key;
}

tcvm_host_state_t tcvm_host_state(const tcvm_host_t *h)
{
    tcvm_host_t *m = (tcvm_host_t *)h;
    pthread_mutex_lock(&m->lock);
    tcvm_host_state_t s = m->state;
    pthread_mutex_unlock(&m->lock);
    return s;
}

void tcvm_host_failure(const tcvm_host_t *h, char *out, size_t out_size)
{
    tcvm_host_t *m = (tcvm_host_t *)h;
    pthread_mutex_lock(&m->lock);
    snprintf(out, out_size, "%s", m->state == TCVM_HOST_FAILED ? m->failure : "");
    pthread_mutex_unlock(&m->lock);
}

tcvm_host_state_t tcvm_host_wait(tcvm_host_t *h, uint64_t timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(timeout_ms / 1000);
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&h->lock);
    while (h->state != TCVM_HOST_DONE && h->state != TCVM_HOST_FAILED) {
        if (pthread_cond_timedwait(&h->changed, &h->lock, &until) != 0)
            break;
    }
    tcvm_host_state_t s = h->state;
    pthread_mutex_unlock(&h->lock);
    return s;
}

/* ---- the job thread ------------------------------------------------------------------------ */

const uint8_t *tcvm__host_asset(tcvm_host_t *h, tcvm_host_asset_kind_t kind, size_t index,
                                size_t *out_size)
{
    /* Assets never change once in and the job only starts when all are in: no lock needed. */
    size_t k = kind == TCVM_HOST_COMPONENT ? index : h->m->component_count + index;
    if (k >= h->asset_count || !h->assets[k].present)
        return NULL;
    *out_size = h->assets[k].size;
    return h->assets[k].data;
}

/* Seals (data, size) to count recipients into *o. */
static tcvm_status_t seal_one(const tcvm_age_recipient_t *rcpt, size_t count, const tcvm_buf_t *b,
                              sealed_output_t *o, tcvm_error_t *err)
{
    tcvm_status_t st = tcvm_seal_buffer(rcpt, count, 0, b->data ? b->data : (const uint8_t *)"",
                                        b->size, &o->data, &o->size, err);
    if (st == TCVM_OK)
        st = tcvm__sha256(o->data, o->size, o->sha256);
    if (st == TCVM_OK) {
        o->present = true;
        o->plain_size = b->size;
    }
    return st;
}

/* Seals every output the job wrote to its recipients, and each component's log to its owner;
 * nothing is published unless all of it is sealed. */
static tcvm_status_t seal_all(tcvm_host_t *h, tcvm_host_job_outputs_t *jo,
                              sealed_output_t *sealed, sealed_output_t *logs, tcvm_error_t *err)
{
    const tcvm_manifest_t *m = h->m;
    for (size_t i = 0; i < m->output_count; i++) {
        const tcvm_manifest_output_t *o = &m->outputs[i];
        if (jo->bufs[i].data == NULL && jo->bufs[i].size == 0)
            continue; /* not written: nothing leaves */
        if (jo->bufs[i].size > o->max_size)
            return tcvm__errorf(err, TCVM_HOST_POLICY,
                                "output %s is %zu bytes, over its limit of %llu", o->id,
                                jo->bufs[i].size, (unsigned long long)o->max_size);
        tcvm_age_recipient_t rcpt[TCVM_MANIFEST_MAX_REFS];
        for (size_t r = 0; r < o->recipient_count; r++)
            rcpt[r] = m->participants[o->recipients[r]].recipient;
        if (seal_one(rcpt, o->recipient_count, &jo->bufs[i], &sealed[i], err) != TCVM_OK)
            return tcvm__errorf(err, TCVM_CRYPTO_FAILED, "cannot seal output %s", o->id);
    }
    for (size_t i = 0; i < m->component_count; i++) {
        if (jo->logs[i].size == 0 && jo->log_dropped[i] == 0)
            continue;
        const tcvm_age_recipient_t *owner = &m->participants[m->components[i].owner].recipient;
        if (seal_one(owner, 1, &jo->logs[i], &logs[i], err) != TCVM_OK)
            return tcvm__errorf(err, TCVM_CRYPTO_FAILED, "cannot seal the log of %s",
                                m->components[i].id);
    }
    return TCVM_OK;
}

static void publish_locked(tcvm_host_t *h, sealed_output_t *sealed, sealed_output_t *logs,
                           const uint64_t *dropped)
{
    const tcvm_manifest_t *m = h->m;
    for (size_t i = 0; i < m->output_count; i++) {
        if (!sealed[i].present)
            continue;
        h->outputs[i] = sealed[i];
        sealed[i].data = NULL;
        tcvm_transcript_field_t f[] = {
            TCVM_TFIELD_STR("output", m->outputs[i].id),
            TCVM_TFIELD_U64("size", h->outputs[i].plain_size),
            TCVM_TFIELD_U64("sealed_size", h->outputs[i].size),
            TCVM_TFIELD_HEX("sealed_sha256", h->outputs[i].sha256, TCVM_DIGEST_SIZE),
            TCVM_TFIELD_U64("recipients", m->outputs[i].recipient_count),
        };
        record_locked(h, "output.sealed", f, 5);
    }
    for (size_t i = 0; i < m->component_count; i++) {
        if (!logs[i].present)
            continue;
        h->logs[i] = logs[i];
        logs[i].data = NULL;
        tcvm_transcript_field_t f[] = {
            TCVM_TFIELD_STR("component", m->components[i].id),
            TCVM_TFIELD_STR("owner", m->participants[m->components[i].owner].id),
            TCVM_TFIELD_U64("size", h->logs[i].plain_size),
            TCVM_TFIELD_U64("dropped_lines", dropped[i]),
            TCVM_TFIELD_HEX("sealed_sha256", h->logs[i].sha256, TCVM_DIGEST_SIZE),
        };
        record_locked(h, "log.sealed", f, 5);
    }
}

static void *job_thread(void *arg)
{
    tcvm_host_t *h = arg;
    const tcvm_manifest_t *m = h->m;
    size_t no = m->output_count ? m->output_count : 1, nc = m->component_count;
    tcvm_error_t err = {0};
    tcvm_host_job_outputs_t jo = {tcvm__calloc(no, sizeof(tcvm_buf_t)), m->output_count,
                                  tcvm__calloc(nc, sizeof(tcvm_buf_t)),
                                  tcvm__calloc(nc, sizeof(uint64_t))};
    sealed_output_t *sealed = tcvm__calloc(no, sizeof *sealed);
    sealed_output_t *logs = tcvm__calloc(nc, sizeof *logs);
    tcvm_status_t st;
    if (jo.bufs == NULL || jo.logs == NULL || jo.log_dropped == NULL || sealed == NULL ||
        logs == NULL)
        st = tcvm__errorf(&err, TCVM_ENOMEM, "out of memory");
    else
        st = tcvm__host_job_run(h, &jo, &err);
    if (st == TCVM_OK)
        st = seal_all(h, &jo, sealed, logs, &err);
    for (size_t i = 0; jo.bufs && i < jo.count; i++)
        tcvm__buf_free_secret(&jo.bufs[i]);
    for (size_t i = 0; jo.logs && i < nc; i++)
        tcvm__buf_free_secret(&jo.logs[i]);
    tcvm__free(jo.bufs);
    tcvm__free(jo.logs);

    pthread_mutex_lock(&h->lock);
    if (st == TCVM_OK && h->state == TCVM_HOST_RUNNING) {
        publish_locked(h, sealed, logs, jo.log_dropped);
        record_locked(h, "job.finished", NULL, 0);
        set_state_locked(h, TCVM_HOST_DONE);
    } else {
        if (h->state == TCVM_HOST_RUNNING)
            snprintf(h->failure, sizeof h->failure, "%s", err.message);
        tcvm_transcript_field_t f[] = {
            TCVM_TFIELD_STR("status", tcvm_status_name(st != TCVM_OK ? st : TCVM_HOST_JOB_FAILED)),
            TCVM_TFIELD_STR("reason", h->failure),
        };
        record_locked(h, "job.failed", f, 2);
        if (h->state != TCVM_HOST_FAILED)
            set_state_locked(h, TCVM_HOST_FAILED);
    }
    tcvm_transcript_close(h->transcript);
    pthread_mutex_unlock(&h->lock);
    tcvm__free(jo.log_dropped);
    for (size_t i = 0; sealed && i < m->output_count; i++)
        tcvm__free(sealed[i].data);
    for (size_t i = 0; logs && i < nc; i++)
        tcvm__free(logs[i].data);
    tcvm__free(sealed);
    tcvm__free(logs);
    return NULL;
}

static void start_job_locked(tcvm_host_t *h)
{
    set_state_locked(h, TCVM_HOST_READY);
    set_state_locked(h, TCVM_HOST_RUNNING);
    tcvm_transcript_field_t f[] = {
        TCVM_TFIELD_STR("component", h->m->components[h->m->entry.component].id),
        TCVM_TFIELD_STR("export", h->m->entry.export_name),
    };
    record_locked(h, "job.started", f, 2);
    if (pthread_create(&h->job, NULL, job_thread, h) != 0) {
        snprintf(h->failure, sizeof h->failure, "cannot start the job thread");
        record_locked(h, "job.failed", NULL, 0);
        set_state_locked(h, TCVM_HOST_FAILED);
        tcvm_transcript_close(h->transcript);
        return;
    }
    h->job_started = true;
}

/* ---- requests ---------------------------------------------------------------------------- */

tcvm_status_t tcvm_host_evidence(tcvm_host_t *h, size_t participant,
                                 const uint8_t nonce[TCVM_HOST_NONCE_SIZE], uint8_t **out,
                                 size_t *out_size, tcvm_error_t *err)
{
    uint8_t rd[TCVM_SNP_REPORT_DATA_SIZE];
    tcvm_attest_evidence_t *ev = NULL;
    uint8_t *data = NULL;
    size_t size = 0;
    tcvm_status_t st = tcvm_host_report_data(h->m->digest, h->key_public, nonce, rd);
    if (st == TCVM_OK) {
        pthread_mutex_lock(&h->provider_lock);
        st = tcvm_attest_provider_get(h->provider, rd, &ev, err);
        pthread_mutex_unlock(&h->provider_lock);
    }
    if (st == TCVM_OK)
        st = tcvm_attest_evidence_encode(ev, &data, &size);
    tcvm_attest_evidence_destroy(ev);
    if (st != TCVM_OK) {
        char why[TCVM_ERROR_MSG_SIZE];
        snprintf(why, sizeof why, "%s",
                 err && err->message[0] ? err->message : tcvm_status_message(st));
        tcvm__errorf(err, st, "cannot get evidence: %.480s", why);
        return st;
    }
    /* tcvm_attest_evidence_encode allocates with malloc; hand over a library buffer. */
    uint8_t *copy = tcvm__memdup(data, size);
    free(data);
    if (copy == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    tcvm_transcript_field_t f[] = {
        TCVM_TFIELD_STR("participant", participant_id(h, participant)),
        TCVM_TFIELD_HEX("nonce", nonce, TCVM_HOST_NONCE_SIZE),
    };
    tcvm__host_record(h, "attestation.served", f, 2);
    *out = copy;
    *out_size = size;
    return TCVM_OK;
}

tcvm_status_t tcvm_host_bundle(tcvm_host_t *h, char **out, size_t *out_size)
{
    return tcvm_bundle_serialize(h->bundle, out, out_size);
}

static tcvm_status_t dump_json(json_t *j, char **out, size_t *out_size)
{
    if (j == NULL)
        return TCVM_ENOMEM;
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    if (text == NULL)
        return TCVM_ENOMEM;
    size_t n = strlen(text);
    char *copy = tcvm__strndup(text, n);
    free(text);
    if (copy == NULL)
        return TCVM_ENOMEM;
    *out = copy;
    *out_size = n;
    return TCVM_OK;
}

static json_t *outputs_json_locked(tcvm_host_t *h, size_t participant)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < h->m->output_count; i++) {
        if (!tcvm_manifest_receives(h->m, participant, i))
            continue;
        const sealed_output_t *o = &h->outputs[i];
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string(h->m->outputs[i].id));
        json_object_set_new(e, "ready", json_boolean(o->present && h->state == TCVM_HOST_DONE));
        if (o->present) {
            char hex[65];
            tcvm__hex_encode(o->sha256, 32, hex, sizeof hex);
            json_object_set_new(e, "size", json_integer((json_int_t)o->size));
            json_object_set_new(e, "sha256", json_string(hex));
        }
        json_array_append_new(arr, e);
    }
    return arr;
}

tcvm_status_t tcvm_host_status_json(tcvm_host_t *h, size_t participant, char **out,
                                    size_t *out_size)
{
    json_t *j = json_object();
    json_t *assets = json_array();
    pthread_mutex_lock(&h->lock);
    json_object_set_new(j, "state", json_string(tcvm_host_state_name(h->state)));
    if (h->state == TCVM_HOST_FAILED)
        json_object_set_new(j, "failure", json_string(h->failure));
    json_object_set_new(j, "participant", json_string(participant_id(h, participant)));
    for (size_t i = 0; i < h->asset_count; i++) {
        const asset_t *a = &h->assets[i];
        json_t *e = json_object();
        json_object_set_new(e, "kind", json_string(tcvm_host_asset_kind_name(a->kind)));
        json_object_set_new(e, "id", json_string(a->id));
        json_object_set_new(e, "owner", json_string(participant_id(h, a->owner)));
        json_object_set_new(e, "present", json_boolean(a->present));
        if (a->present)
            json_object_set_new(e, "size", json_integer((json_int_t)a->size));
        json_array_append_new(assets, e);
    }
    json_object_set_new(j, "assets", assets);
    json_object_set_new(j, "outputs", outputs_json_locked(h, participant));
    json_object_set_new(j, "transcript_records",
                        json_integer((json_int_t)tcvm_transcript_count(h->transcript)));
    pthread_mutex_unlock(&h->lock);
    return dump_json(j, out, out_size);
}

static asset_t *find_asset(const tcvm_host_t *h, tcvm_host_asset_kind_t kind, const char *id)
{
    for (size_t i = 0; i < h->asset_count; i++) {
        if (h->assets[i].kind == kind && strcmp(h->assets[i].id, id) == 0)
            return &h->assets[i];
    }
    return NULL;
}

uint64_t tcvm_host_asset_limit(const tcvm_host_t *h, tcvm_host_asset_kind_t kind, const char *id)
{
    const asset_t *a = find_asset(h, kind, id);
    return a ? a->limit : 0;
}

tcvm_status_t tcvm_host_upload(tcvm_host_t *h, size_t participant, tcvm_host_asset_kind_t kind,
                               const char *id, const uint8_t *data, size_t size,
                               const uint8_t claimed_digest[TCVM_DIGEST_SIZE], tcvm_error_t *err)
{
    const char *kn = tcvm_host_asset_kind_name(kind);
    char request[128];
    snprintf(request, sizeof request, "upload %s %.64s", kn, id);
    /* Hash before taking the lock: the slow part of an upload never holds up anyone else. */
    uint8_t sha[TCVM_DIGEST_SIZE];
    tcvm_status_t hst = tcvm__sha256(data, size, sha);
    uint8_t *copy = hst == TCVM_OK ? tcvm__memdup(data, size) : NULL;

    pthread_mutex_lock(&h->lock);
    asset_t *a = find_asset(h, kind, id);
    tcvm_status_t st;
    if (hst != TCVM_OK || copy == NULL) {
        st = refuse_locked(h, participant, "upload.refused", request, err, TCVM_ENOMEM,
                           "out of memory taking the upload");
    } else if (a == NULL) {
        st = refuse_locked(h, participant, "upload.refused", request, err, TCVM_HOST_POLICY,
                           "the manifest names no %s \"%.64s\"", kn, id);
    } else if (a->owner != participant) {
        st = refuse_locked(h, participant, "upload.refused", request, err, TCVM_HOST_POLICY,
                           "%s %s belongs to %s, not to %s", kn, a->id,
                           participant_id(h, a->owner), participant_id(h, participant));
    } else if (h->state != TCVM_HOST_PROVISIONING) {
        st = refuse_locked(h, participant, "upload.refused", request, err, TCVM_HOST_STATE,
                           "uploads are closed: the runtime is %s",
                           tcvm_host_state_name(h->state));
    } else if (a->present) {
        st = refuse_locked(h, participant, "upload.refused", request, err, TCVM_HOST_POLICY,
                           "%s %s is already in; an asset is uploaded once", kn, a->id);
    } else if ((uint64_t)size > a->limit) {
        st = refuse_locked(h, participant, "upload.refused", request, err, TCVM_ELIMIT,
                           "%s %s is %zu bytes, over its limit of %llu bytes", kn, a->id, size,
                           (unsigned long long)a->limit);
    } else if (!tcvm__ct_equal(sha, claimed_digest, TCVM_DIGEST_SIZE)) {
        st = refuse_locked(h, participant, "upload.refused", request, err, TCVM_HOST_POLICY,
                           "%s %s: the bytes received do not have the SHA-256 the uploader "
                           "stated (damaged in transit?)",
                           kn, a->id);
    } else if (a->has_digest && !tcvm__ct_equal(sha, a->digest, TCVM_DIGEST_SIZE)) {
        char hex[65];
        tcvm__hex_encode(sha, 32, hex, sizeof hex);
        st = refuse_locked(h, participant, "upload.refused", request, err, TCVM_HOST_POLICY,
                           "%s %s has SHA-256 %s, not the digest the manifest names", kn, a->id,
                           hex);
    } else {
        a->data = copy;
        a->size = size;
        memcpy(a->sha256, sha, sizeof sha);
        a->present = true;
        copy = NULL;
        h->assets_in++;
        tcvm_transcript_field_t f[] = {
            TCVM_TFIELD_STR("participant", participant_id(h, participant)),
            TCVM_TFIELD_STR("kind", kn),
            TCVM_TFIELD_STR("asset", a->id),
            TCVM_TFIELD_U64("size", size),
            TCVM_TFIELD_HEX("sha256", sha, TCVM_DIGEST_SIZE),
        };
        record_locked(h, "upload.accepted", f, 5);
        st = TCVM_OK;
        if (h->assets_in == h->asset_count && h->state == TCVM_HOST_PROVISIONING)
            start_job_locked(h);
    }
    pthread_mutex_unlock(&h->lock);
    if (copy != NULL) {
        tcvm__wipe(copy, size);
        tcvm__free(copy);
    }
    return st;
}

tcvm_status_t tcvm_host_outputs_json(tcvm_host_t *h, size_t participant, char **out,
                                     size_t *out_size)
{
    pthread_mutex_lock(&h->lock);
    json_t *arr = outputs_json_locked(h, participant);
    pthread_mutex_unlock(&h->lock);
    return dump_json(arr, out, out_size);
}

tcvm_status_t tcvm_host_output(tcvm_host_t *h, size_t participant, const char *id, uint8_t **out,
                               size_t *out_size, tcvm_error_t *err)
{
    char request[128];
    snprintf(request, sizeof request, "fetch output %.64s", id);
    size_t index;
    tcvm_status_t st = TCVM_OK;
    pthread_mutex_lock(&h->lock);
    if (!tcvm_manifest_find_output(h->m, id, &index)) {
        st = refuse_locked(h, participant, "fetch.refused", request, err, TCVM_ENOENT,
                           "the manifest names no output \"%.64s\"", id);
    } else if (!tcvm_manifest_receives(h->m, participant, index)) {
        st = refuse_locked(h, participant, "fetch.refused", request, err, TCVM_HOST_POLICY,
                           "%s is not a recipient of output %s", participant_id(h, participant),
                           h->m->outputs[index].id);
    } else if (h->state != TCVM_HOST_DONE) {
        st = refuse_locked(h, participant, "fetch.refused", request, err, TCVM_HOST_STATE,
                           "output %s is not available: the runtime is %s%s",
                           h->m->outputs[index].id, tcvm_host_state_name(h->state),
                           h->state == TCVM_HOST_FAILED ? " (no output of a failed job leaves)"
                                                        : "");
    } else if (!h->outputs[index].present) {
        st = refuse_locked(h, participant, "fetch.refused", request, err, TCVM_ENOENT,
                           "output %s was not written by the job", h->m->outputs[index].id);
    } else {
        uint8_t *copy = tcvm__memdup(h->outputs[index].data, h->outputs[index].size);
        if (copy == NULL) {
            st = tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
        } else {
            /* Fetches come after DONE, when the transcript is final: they are not recorded
             * (the sealed files' digests and recipients are). */
            *out = copy;
            *out_size = h->outputs[index].size;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return st;
}

tcvm_status_t tcvm_host_log(tcvm_host_t *h, size_t participant, const char *component,
                            uint8_t **out, size_t *out_size, tcvm_error_t *err)
{
    char request[128];
    snprintf(request, sizeof request, "fetch log %.64s", component);
    size_t index;
    tcvm_status_t st = TCVM_OK;
    pthread_mutex_lock(&h->lock);
    if (!tcvm_manifest_find_component(h->m, component, &index)) {
        st = refuse_locked(h, participant, "fetch.refused", request, err, TCVM_ENOENT,
                           "the manifest names no component \"%.64s\"", component);
    } else if (h->m->components[index].owner != participant) {
        st = refuse_locked(h, participant, "fetch.refused", request, err, TCVM_HOST_POLICY,
                           "the log of %s goes to its owner %s only", h->m->components[index].id,
                           participant_id(h, h->m->components[index].owner));
    } else if (h->state != TCVM_HOST_DONE) {
        st = refuse_locked(h, participant, "fetch.refused", request, err, TCVM_HOST_STATE,
                           "logs are released when the job is DONE; the runtime is %s",
                           tcvm_host_state_name(h->state));
    } else if (!h->logs[index].present) {
        st = tcvm__errorf(err, TCVM_ENOENT, "component %s logged nothing",
                          h->m->components[index].id);
    } else if ((*out = tcvm__memdup(h->logs[index].data, h->logs[index].size)) == NULL) {
        st = tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    } else {
        *out_size = h->logs[index].size;
    }
    pthread_mutex_unlock(&h->lock);
    return st;
}

tcvm_status_t tcvm_host_transcript(tcvm_host_t *h, char **out, size_t *out_size)
{
    pthread_mutex_lock(&h->lock);
    tcvm_status_t st = tcvm_transcript_serialize(h->transcript, out, out_size);
    pthread_mutex_unlock(&h->lock);
    return st;
}
