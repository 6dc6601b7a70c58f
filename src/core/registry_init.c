/* registry_init: see registry_init.h. */
#include "registry_init.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "registry_jwt.h"

#define CERT_DAYS 3650

static int write_key(const char *path, EVP_PKEY *k)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        return -1;
    }
    int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* A self-signed certificate of k (CN: the issuer). */
static X509 *self_signed(EVP_PKEY *k)
{
    X509 *x = X509_new();
    if (!x) return NULL;
    unsigned char serial[16];
    FILE *r = fopen("/dev/urandom", "rb");
    if (!r || fread(serial, 1, sizeof(serial), r) != sizeof(serial)) goto fail;
    fclose(r);
    r = NULL;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    if (!ok || X509_set_version(x, 2) != 1) goto fail;
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)CERT_DAYS * 86400);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               (const unsigned char *)cfg->registry_issuer, -1, -1, 0);
    if (X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, k) != 1 ||
        X509_sign(x, k, EVP_sha256()) <= 0)
        goto fail;
    return x;
fail:
    if (r) fclose(r);
    X509_free(x);
    return NULL;
}

/* The bundle: the new certificate, then (rotating) the old bundle's certificates. */
static int write_bundle(const char *path, X509 *x, int keep_old)
{
    char *old = NULL;
    size_t oldn = 0;
    FILE *f = keep_old ? fopen(path, "r") : NULL;
    if (f) {
        FILE *m = open_memstream(&old, &oldn);
        char buf[4096];
        size_t n;
        while (m && (n = fread(buf, 1, sizeof(buf), f)) > 0) fwrite(buf, 1, n, m);
        if (m) fclose(m);
        fclose(f);
    }
    f = fopen(path, "w");
    int ok = f && PEM_write_X509(f, x) == 1;
    if (f && old) fwrite(old, 1, oldn, f);
    free(old);
    if (f && fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

static int write_config(const char *path, const struct registry_init_opts *o, const char *bundle)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f,
            "# CNCF Distribution (docker-registry) configuration written by `daoid registry "
            "init`:\n# daoid is the token service; the registry trusts the certificates in "
            "rootcertbundle.\nversion: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n"
            "    rootdirectory: %s%s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n"
            "  headers:\n    X-Content-Type-Options: [nosniff]\nauth:\n  token:\n"
            "    realm: %s%s\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n",
            o->storage ? o->storage : o->dir, o->storage ? "" : "/data", o->listen, cfg->origin,
            cfg->registry_realm_path, cfg->registry_service, cfg->registry_issuer, bundle);
    return fclose(f) == 0 ? 0 : -1;
}

int registry_init_files(const struct registry_init_opts *o, char *err, size_t errlen)
{
    char keyp[4096], bundlep[4096], confp[4096];
    if (mkdir(o->dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", o->dir, strerror(errno));
        return -1;
    }
    snprintf(keyp, sizeof(keyp), "%s/token-key.pem", o->dir);
    snprintf(bundlep, sizeof(bundlep), "%s/token-bundle.pem", o->dir);
    snprintf(confp, sizeof(confp), "%s/config.yml", o->dir);
    int rc = -1;
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    int have = access(keyp, F_OK) == 0;
    if (have && !o->rotate) {
        k = registry_jwt_key_read(keyp, err, errlen);
        if (!k) goto out;
    } else {
        k = EVP_EC_gen("P-256");
        if (!k || write_key(keyp, k) != 0) {
            snprintf(err, errlen, "%s: cannot write the key", keyp);
            goto out;
        }
    }
    x = self_signed(k);
    if (!x || write_bundle(bundlep, x, have && o->rotate) != 0) {
        snprintf(err, errlen, "%s: cannot write the certificate", bundlep);
        goto out;
    }
    if (write_config(confp, o, bundlep) != 0) {
        snprintf(err, errlen, "%s: cannot write", confp);
        goto out;
    }
    rc = 0;
out:
    X509_free(x);
    EVP_PKEY_free(k);
    return rc;
}
