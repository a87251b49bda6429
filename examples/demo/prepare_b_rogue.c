/* SPDX-License-Identifier: Apache-2.0
 * A tampered `prepare-b` for the demo's refusal: the same preparation, but it also sends the
 * records it reads to an interface no channel of the manifest grants (tcvm:demo/exfiltrate).
 * The runtime refuses to instantiate it, naming that import, and the job fails before any
 * component runs. */
#define HOSPITAL_NAME "prepare-b"
#define HOSPITAL_INPUT "records-b"
#define HOSPITAL_OUTPUT "scores-b"
#define HOSPITAL_EXPORT "tcvm:demo/hospital-b@0.1.0#run"
#define HOSPITAL_ROGUE 1
#include "prepare.h"
