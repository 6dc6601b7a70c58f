/* webauthn: the relying party's checks of WebAuthn Level 2 ceremonies, as pure functions of
 * what the browser sent and what the server expects (no store: passkey.c keeps challenges and
 * credentials). clientDataJSON is read with Jansson; the attestation object is CBOR, read with
 * libcbor; authenticator data, the COSE public key and the signature are libfido2's to parse
 * and verify (fido_cred_set_authdata_raw, fido_assert_verify): no hand-written cryptography.
 *
 * Registration (attestation "none": nothing to verify but the data): clientDataJSON's type is
 * webauthn.create, its challenge the expected one, its origin the expected one and crossOrigin
 * not true; fmt "none"; the authenticator data's RP ID hash is SHA-256 of the RP ID; user
 * presence set; attested credential data with an ES256, RS256 or EdDSA key.
 * Authentication: the same clientDataJSON checks with webauthn.get, then libfido2 checks the RP
 * ID hash, user presence and the signature over authData ‖ SHA-256(clientDataJSON). */
#ifndef DAOID_WEBAUTHN_H
#define DAOID_WEBAUTHN_H

#include <stddef.h>
#include <stdint.h>

struct arena;

enum wa_rc {
    WA_OK,
    WA_MALFORMED, /* not JSON / CBOR / authenticator data as expected */
    WA_TYPE,      /* clientDataJSON type */
    WA_CHALLENGE, /* not the challenge this browser was given */
    WA_ORIGIN,    /* another origin, or cross-origin */
    WA_RP,        /* the authenticator data is for another RP ID */
    WA_PRESENCE,  /* user presence not set */
    WA_ALG,       /* a key type daoid does not take */
    WA_FORMAT,    /* an attestation format other than none */
    WA_SIG,       /* the signature does not verify */
};

struct wa_expect {
    const char *rp_id;     /* host of public_url */
    const char *origin;    /* scheme://host[:port] of public_url */
    const char *challenge; /* base64url, as given to the browser */
};

struct wa_cred {
    unsigned char *id;
    size_t id_len;
    int alg; /* COSE: -7 ES256, -257 RS256, -8 EdDSA */
    unsigned char *pk;
    size_t pk_len; /* libfido2's raw form of the key */
    uint32_t sign_count;
    int uv, be, bs; /* user verified, backup eligible, backed up */
};

/* Checks a registration and returns the new credential (in a). */
enum wa_rc webauthn_register(struct arena *a, const struct wa_expect *x, const unsigned char *cdj,
                             size_t cdj_len, const unsigned char *att, size_t att_len,
                             struct wa_cred *out);

struct wa_assert_out {
    uint32_t sign_count;
    int uv, be, bs;
};
/* Checks an assertion against a stored key (alg, pk as webauthn_register gave them). */
enum wa_rc webauthn_assert(const struct wa_expect *x, const unsigned char *cdj, size_t cdj_len,
                           const unsigned char *authdata, size_t ad_len, const unsigned char *sig,
                           size_t sig_len, int alg, const unsigned char *pk, size_t pk_len,
                           struct wa_assert_out *out);

/* base64url without padding: encode into a; decode into a (*len set), NULL when malformed. */
char *webauthn_b64u(struct arena *a, const unsigned char *bin, size_t len);
unsigned char *webauthn_unb64u(struct arena *a, const char *s, size_t *len);

#endif
