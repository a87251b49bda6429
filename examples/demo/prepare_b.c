/* SPDX-License-Identifier: Apache-2.0
 * Hospital B's preparation component (`prepare-b`): see prepare.h. */
#define HOSPITAL_NAME "prepare-b"
#define HOSPITAL_INPUT "records-b"
#define HOSPITAL_OUTPUT "scores-b"
#define HOSPITAL_EXPORT "tcvm:demo/hospital-b@0.1.0#run"
#include "prepare.h"
