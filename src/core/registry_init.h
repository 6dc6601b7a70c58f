/* registry_init: `daoid registry init` — the files the registry (CNCF Distribution 2.8) needs to
 * trust daoid's tokens: DIR/token-key.pem (the EC P-256 signing key, mode 0600: point
 * registry_key_file at it), DIR/token-bundle.pem (the rootcertbundle: a self-signed certificate
 * of the key, 10 years) and DIR/config.yml (token realm, service, issuer, bundle, storage,
 * listen address). An existing key is kept; with rotate a new key is made and the old
 * certificates stay in the bundle (tokens signed by the old key stay valid until they expire;
 * remove the old certificates after registry_token_ttl). */
#ifndef DAOID_REGISTRY_INIT_H
#define DAOID_REGISTRY_INIT_H

#include <stddef.h>

struct registry_init_opts {
    const char *dir;     /* where the three files go */
    const char *listen;  /* the registry's http.addr, "127.0.0.1:5000" */
    const char *storage; /* filesystem root directory; NULL: DIR/data */
    int rotate;
};

/* Writes the files; 0, or -1 with a message in err. */
int registry_init_files(const struct registry_init_opts *o, char *err, size_t errlen);

#endif
