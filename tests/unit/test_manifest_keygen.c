/* SPDX-License-Identifier: Apache-2.0 */
/* tcvm_keygen_write: the three files, their modes and contents, and that the public entry
 * matches the secret keys; existing keys are kept and bad names refused. */
#include "manifest_fixture.h"

#include "base/base.h"

#include <sys/stat.h>
#include <unistd.h>

TEST(manifest_keygen_files)
{
    char dir[] = "/tmp/tcvm-keygen-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/keys", dir); /* created by keygen, mode 0700 */
    tcvm_keygen_paths_t p;
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_keygen_write(sub, "hospital-a", false, &p, &err));
    struct stat st;
    CHECK_EQ(stat(sub, &st), 0);
    CHECK_EQ(st.st_mode & 0777, 0700);
    CHECK_EQ(stat(p.sign_key, &st), 0);
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK_EQ(stat(p.age_identity, &st), 0);
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK_EQ(stat(p.public_file, &st), 0);
    CHECK_EQ(st.st_mode & 0777, 0644);
    /* the public entry names the keys of the secret files */
    uint8_t *pub;
    size_t n;
    CHECK_OK(tcvm__read_file(p.public_file, 4096, &pub, &n, &err));
    tcvm_sign_key_t *key;
    CHECK_OK(tcvm_sign_key_load(p.sign_key, &key, &err));
    uint8_t kpub[32];
    tcvm_sign_key_public(key, kpub);
    char ktext[TCVM_SIGN_PUBLIC_TEXT_SIZE], rtext[TCVM_AGE_RECIPIENT_TEXT_SIZE];
    tcvm_sign_public_format(kpub, ktext);
    tcvm_age_identity_t *ids;
    size_t count;
    CHECK_OK(tcvm_age_identities_load(p.age_identity, &ids, &count, &err));
    CHECK_EQ(count, 1);
    tcvm_age_recipient_t r;
    tcvm_age_identity_recipient(&ids[0], &r);
    tcvm_age_recipient_format(&r, rtext);
    char *json = tcvm__strndup((const char *)pub, n);
    CHECK_CONTAINS(json, "\"id\": \"hospital-a\"");
    CHECK_CONTAINS(json, ktext);
    CHECK_CONTAINS(json, rtext);
    uint8_t *idfile;
    CHECK_OK(tcvm__read_file(p.age_identity, 4096, &idfile, &n, &err));
    char *idtext = tcvm__strndup((const char *)idfile, n);
    CHECK_CONTAINS(idtext, "# public key: ");
    CHECK_CONTAINS(idtext, rtext);
    /* existing keys are kept */
    tcvm_keygen_paths_t p2;
    CHECK_STATUS(tcvm_keygen_write(sub, "hospital-a", false, &p2, &err), TCVM_EEXIST);
    CHECK_CONTAINS(err.message, "already exists; use --force to replace hospital-a's keys");
    tcvm_sign_key_t *same;
    CHECK_OK(tcvm_sign_key_load(p.sign_key, &same, &err));
    uint8_t spub[32];
    tcvm_sign_key_public(same, spub);
    CHECK_MEM(spub, kpub, 32);
    /* with overwrite, new keys replace them */
    CHECK_OK(tcvm_keygen_write(sub, "hospital-a", true, &p2, &err));
    tcvm_sign_key_t *fresh;
    CHECK_OK(tcvm_sign_key_load(p.sign_key, &fresh, &err));
    tcvm_sign_key_public(fresh, spub);
    CHECK(memcmp(spub, kpub, 32) != 0);
    CHECK_STATUS(tcvm_keygen_write(sub, "Hospital A", false, &p2, &err), TCVM_EINVAL);
    CHECK_CONTAINS(err.message, "\"Hospital A\" is not a valid participant id");
    tcvm_sign_key_destroy(key);
    tcvm_sign_key_destroy(same);
    tcvm_sign_key_destroy(fresh);
    tcvm_age_identities_free(ids, count);
    tcvm__free(pub);
    tcvm__free(json);
    tcvm__free(idfile);
    tcvm__free(idtext);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ(system(cmd), 0);
}
