/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attestation providers behind one ops table: a provider is named ("sev-snp" or "sim"), opened
 * with a config, asked for evidence bound to 64 bytes of REPORT_DATA, and closed. The table of
 * backends is the only place that knows which exist.
 */
#include "attest/attest_internal.h"

static const tcvm__attest_provider_ops_t *const backends[] = {
    &tcvm__provider_sev_snp,
    &tcvm__provider_sim,
};

struct tcvm_attest_provider {
    const tcvm__attest_provider_ops_t *ops;
    void *state;
    const char *interface;
};

void tcvm_attest_provider_config_init(tcvm_attest_provider_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->sim_tcb.bootloader = 10;
    cfg->sim_tcb.snp = 23;
    cfg->sim_tcb.microcode = 84;
}

tcvm_status_t tcvm_attest_provider_open(const char *name,
                                        const tcvm_attest_provider_config_t *cfg,
                                        tcvm_attest_provider_t **out_provider, tcvm_error_t *err)
{
    const tcvm__attest_provider_ops_t *ops = NULL;
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(backends); i++) {
        if (name != NULL && strcmp(backends[i]->name, name) == 0)
            ops = backends[i];
    }
    if (ops == NULL)
        return tcvm__errorf(err, TCVM_EINVAL,
                            "unknown attestation provider \"%s\" (sev-snp or sim)",
                            name ? name : "(none)");
    tcvm_attest_provider_t *p = tcvm__calloc(1, sizeof *p);
    if (p == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    tcvm_status_t st = ops->open(cfg, &p->state, err);
    if (st != TCVM_OK) {
        tcvm__free(p);
        return st;
    }
    p->ops = ops;
    p->interface = ops->name;
    *out_provider = p;
    return TCVM_OK;
}

tcvm_status_t tcvm_attest_provider_get(tcvm_attest_provider_t *p,
                                       const uint8_t report_data[TCVM_SNP_REPORT_DATA_SIZE],
                                       tcvm_attest_evidence_t **out_evidence, tcvm_error_t *err)
{
    const char *iface = p->interface;
    tcvm_status_t st = p->ops->get(p->state, report_data, out_evidence, &iface, err);
    p->interface = iface;
    return st;
}

const char *tcvm_attest_provider_interface(const tcvm_attest_provider_t *p)
{
    return p->interface;
}

void tcvm_attest_provider_destroy(tcvm_attest_provider_t *p)
{
    if (p == NULL)
        return;
    p->ops->close(p->state);
    tcvm__free(p);
}
