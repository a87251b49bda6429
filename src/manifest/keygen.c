/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Participant key generation: an Ed25519 signing key (PEM PKCS#8), an X25519 age identity in the
 * file format of age-keygen, and the public participant entry to paste into a manifest. Secret
 * files are created with mode 0600 and appear whole or not at all; existing files are kept
 * unless the caller asks to overwrite them.
 */
#include "manifest/internal.h"

#include "crypto/io.h"

#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static tcvm_status_t path_in(char out[4096], const char *dir, const char *name, const char *ext,
                             tcvm_error_t *err)
{
    int n = snprintf(out, 4096, "%s/%s%s", dir, name, ext);
    if (n < 0 || n >= 4096) return tcvm__errorf(err, TCVM_EINVAL, "%s: path too long", dir);
    return TCVM_OK;
}

tcvm_status_t tcvm_keygen_write(const char *dir, const char *name, bool overwrite,
                                tcvm_keygen_paths_t *out_paths, tcvm_error_t *err)
{
    if (name == NULL || !tcvm__manifest_id_valid(name, strlen(name)))
        return tcvm__errorf(err, TCVM_EINVAL,
                            "\"%.64s\" is not a valid participant id (1 to %u characters of a-z, "
                            "0-9, '.', '_', '-', starting with a letter or digit)",
                            name ? name : "", TCVM_MANIFEST_MAX_ID_SIZE);
    if (dir == NULL || dir[0] == '\0') dir = ".";
    /* a new key directory is private to its owner */
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return tcvm__errorf(err, TCVM_EIO, "%s: cannot create the directory: %s", dir,
                            strerror(errno));
    tcvm_keygen_paths_t paths;
    tcvm_status_t st;
    if ((st = path_in(paths.sign_key, dir, name, ".sign.pem", err)) != TCVM_OK ||
        (st = path_in(paths.age_identity, dir, name, ".age", err)) != TCVM_OK ||
        (st = path_in(paths.public_file, dir, name, ".pub.json", err)) != TCVM_OK)
        return st;

    tcvm_sign_key_t *key = NULL;
    tcvm_age_identity_t id;
    char *pem = NULL;
    size_t pem_size = 0;
    tcvm_buf_t age_file = {0}, pub_file = {0};
    if ((st = tcvm_sign_key_generate(&key)) != TCVM_OK ||
        (st = tcvm_sign_key_to_pem(key, &pem, &pem_size)) != TCVM_OK ||
        (st = tcvm_age_identity_generate(&id)) != TCVM_OK) {
        tcvm__errorf(err, st, "key generation failed: %s", tcvm_status_message(st));
        goto wipe;
    }
    uint8_t pub[32];
    tcvm_sign_key_public(key, pub);
    char sign_text[TCVM_SIGN_PUBLIC_TEXT_SIZE], recipient_text[TCVM_AGE_RECIPIENT_TEXT_SIZE],
        identity_text[TCVM_AGE_IDENTITY_TEXT_SIZE], created[32];
    tcvm_sign_public_format(pub, sign_text);
    tcvm_age_recipient_t recipient;
    tcvm_age_identity_recipient(&id, &recipient);
    tcvm_age_recipient_format(&recipient, recipient_text);
    tcvm_age_identity_format(&id, identity_text);
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL ||
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(created, sizeof created, "unknown");
    /* the same layout as age-keygen, so that `age -d -i NAME.age` reads it */
    st = tcvm__buf_printf(&age_file, "# created: %s\n# public key: %s\n%s\n", created,
                          recipient_text, identity_text);
    tcvm__wipe(identity_text, sizeof identity_text);
    /* name, keys: all from fixed alphabets, so no JSON escaping is needed */
    if (st == TCVM_OK)
        st = tcvm__buf_printf(&pub_file,
                              "{\n  \"id\": \"%s\",\n  \"signing_key\": \"%s\",\n"
                              "  \"recipient\": \"%s\"\n}\n",
                              name, sign_text, recipient_text);
    if (st != TCVM_OK) {
        tcvm__errorf(err, st, "out of memory");
        goto wipe;
    }
    if (!overwrite) {
        /* check all three first, so that no file is written when one of them exists */
        const char *all[3] = {paths.sign_key, paths.age_identity, paths.public_file};
        for (int i = 0; i < 3; i++) {
            FILE *f = fopen(all[i], "r");
            if (f != NULL) {
                fclose(f);
                st = tcvm__errorf(err, TCVM_EEXIST,
                                  "%s already exists; use --force to replace %s's keys", all[i],
                                  name);
                goto wipe;
            }
        }
    }
    const struct {
        const char *path;
        const void *data;
        size_t size;
        mode_t mode;
    } files[3] = {
        {paths.sign_key, pem, pem_size, 0600},
        {paths.age_identity, age_file.data, age_file.size, 0600},
        {paths.public_file, pub_file.data, pub_file.size, 0644},
    };
    for (int i = 0; i < 3; i++) {
        st = tcvm__write_file(files[i].path, files[i].data, files[i].size, files[i].mode,
                              !overwrite, err);
        if (st != TCVM_OK) {
            /* leave no half set of new keys behind */
            for (int k = 0; k < i && !overwrite; k++)
                unlink(files[k].path);
            goto wipe;
        }
    }
    *out_paths = paths;
wipe:
    tcvm_sign_key_destroy(key);
    tcvm_seal_free_secret(pem, pem_size);
    tcvm_age_identity_wipe(&id);
    tcvm__buf_free_secret(&age_file);
    tcvm__buf_free(&pub_file);
    return st;
}
