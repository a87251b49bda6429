/* SPDX-License-Identifier: Apache-2.0 */
/* wat2wasm through a temporary directory, for tests that write modules in text form. */
#include "test.h"
#include "wat.h"

#include "base/base.h"

#include <sys/wait.h>
#include <unistd.h>

uint8_t *tcvm_test_wat(const char *wat, size_t *out_size)
{
    if (system("command -v wat2wasm >/dev/null 2>&1") != 0)
        SKIP("wat2wasm (Debian package wabt) is not installed");
    char dir[] = "/tmp/tcvm-wat-XXXXXX";
    if (mkdtemp(dir) == NULL)
        tcvm_test_fail(__FILE__, __LINE__, "mkdtemp failed");
    char in[64], out[64], cmd[256];
    snprintf(in, sizeof in, "%s/m.wat", dir);
    snprintf(out, sizeof out, "%s/m.wasm", dir);
    FILE *f = fopen(in, "w");
    if (f == NULL)
        tcvm_test_fail(__FILE__, __LINE__, "cannot write %s", in);
    fputs(wat, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "wat2wasm --enable-all --no-check %s -o %s", in, out);
    if (system(cmd) != 0)
        tcvm_test_fail(__FILE__, __LINE__, "wat2wasm rejected:\n%s", wat);
    uint8_t *data;
    size_t size;
    tcvm_error_t err;
    if (tcvm__read_file(out, 1 << 26, &data, &size, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "%s", err.message);
    unlink(in);
    unlink(out);
    rmdir(dir);
    *out_size = size;
    return data;
}
