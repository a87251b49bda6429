/* SPDX-License-Identifier: Apache-2.0
 * Hospital A's preparation component (`prepare-a`): see prepare.h. */
#define HOSPITAL_NAME "prepare-a"
#define HOSPITAL_INPUT "records-a"
#define HOSPITAL_OUTPUT "scores-a"
#define HOSPITAL_EXPORT "tcvm:demo/hospital-a@0.1.0#run"
#include "prepare.h"
