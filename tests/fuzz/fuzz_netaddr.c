/* libFuzzer target: X-Forwarded-For walking and CIDR list parsing on arbitrary input. The
 * client address chosen must always be the peer or an address that appears in the header. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    char err[64], out[64];
    struct netaddr_list *l = netaddr_list_parse(s, err, sizeof(err));
    netaddr_list_free(l);
    struct netaddr_list *t = netaddr_list_parse("10.0.0.0/8, ::1", err, sizeof(err));
    netaddr_client("10.1.2.3", s, t, out, sizeof(out));
    if (strcmp(out, "10.1.2.3") && !strstr(s, out)) abort();
    netaddr_list_free(t);
    free(s);
    return 0;
}
