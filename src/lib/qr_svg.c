/* qr_svg: see qr_svg.h. Each row's runs of dark modules become one path segment
 * ("M x y h run v 1 h -run z"), so a typical sign-in QR is a few kilobytes of markup. */
#include "qr_svg.h"

#include <qrencode.h>
#include <string.h>

#include "arena.h"
#include "tmpl.h"

#define QR_QUIET 4

static void add_runs(struct abuf *b, const QRcode *q)
{
    int w = q->width;
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w;) {
            if (!(q->data[y * w + x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < w && (q->data[y * w + x + run] & 1)) run++;
            abuf_printf(b, "M%d %dh%dv1h-%dz", x + QR_QUIET, y + QR_QUIET, run, run);
            x += run;
        }
    }
}

char *qr_svg(struct arena *a, const char *text, int px, const char *label)
{
    if (!text || !*text) return NULL;
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return NULL;
    int size = q->width + 2 * QR_QUIET;
    struct abuf b;
    abuf_init(&b, a, 4096);
    abuf_printf(&b,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\""
                " height=\"%d\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"",
                size, size, px, px);
    tmpl_escape(&b, label ? label : "", label ? strlen(label) : 0);
    abuf_printf(&b, "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                size, size);
    add_runs(&b, q);
    abuf_adds(&b, "\"/></svg>");
    QRcode_free(q);
    return abuf_str(&b);
}
