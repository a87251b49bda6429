/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The job: what the runtime does on its job thread once every asset is in. It validates and
 * instantiates each component in its own sandbox with the manifest's limits, satisfies imports
 * only with manifest channels and the tcvm:host interfaces (wit/tcvm-host.wit), calls the entry
 * and collects the outputs the components wrote.
 *
 * This build has no Component Model runtime (include/tcvm/component.h is not part of it yet), so
 * the job cannot run: it fails, with that reason in the transcript, and nothing leaves. It never
 * pretends to have run.
 */
#include "host/host_internal.h"

tcvm_status_t tcvm__host_job_run(tcvm_host_t *h, tcvm_host_job_outputs_t *out, tcvm_error_t *err)
{
    (void)h;
    (void)out;
    return tcvm__errorf(err, TCVM_EUNSUPPORTED,
                        "component runtime not available: this build of 2cvm cannot instantiate "
                        "WebAssembly components, so the job cannot run");
}
