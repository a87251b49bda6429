/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A valid manifest for the manifest tests (the example of docs/manifest.md, trimmed) and helpers
 * that change one piece of it and check the exact error the change must cause.
 */
#ifndef TCVM_TEST_MANIFEST_FIXTURE_H
#define TCVM_TEST_MANIFEST_FIXTURE_H

#include "test.h"

#include "tcvm/manifest.h"

#define KEY_A "ed25519:bc7cbcb5636375fa1d82434d466724d92377f53b980695dd49d26d0ce12205a5"
#define KEY_B "ed25519:4721b5b632272e65a68dda7ac25b4185f8b01916db185c14287db92e2b770fae"
#define KEY_V "ed25519:acdcc8494d458f44a7aaac1d6a84ec624daee88436db2ae26e67ba645a106228"
#define REC_A "age183wxeckan8ss6tpaupwhww4ptclxm9c76njp8zwf8d9mmkshwgfqjynrvp"
#define REC_B "age1mdyz2lsjx7tk5a9d3nldegqzzdqgl6y6ccj37xunqfzlys44cvdqnnkmes"
#define REC_V "age1kc7s24v0y859euh9wg2sjvqsw7jssuemqh0l8eh4rr4qftky93jsg42vzu"
#define MEASUREMENT                                                                                \
    "54f3664f8a48e454bf2d150d92247083c44f80b67533a48be7ad97571496ee08bc54d5c1eac7d8e4d519917fb75d" \
    "f579"
#define DIGEST1 "sha256:4ce44ba4a36f031969bb80015f79808a52d612acf6f98665c0345111994aa396"

/* The valid base document. */
extern const char manifest_base[];

/* The base with the first occurrence of from replaced by to (which must occur). Caller frees. */
char *manifest_with(const char *from, const char *to);

/* Parses text; the caller destroys the result. Fails the test on error. */
tcvm_manifest_t *manifest_ok(const char *text);

/* Parses the base with one replacement and checks status and that the message contains msg. */
void manifest_expect(const char *from, const char *to, tcvm_status_t status, const char *msg);

/* Same for a whole document. */
void manifest_expect_text(const char *text, tcvm_status_t status, const char *msg);

/* The signing key of the example participant (0: hospital-a, 1: hospital-b, 2: vendor). */
tcvm_sign_key_t *example_sign_key(int participant);

#endif
