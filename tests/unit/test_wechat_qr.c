/* Unit tests of qr_svg: the drawn modules are exactly libqrencode's (read back from the path),
 * the quiet zone, presentation attributes only (the CSP forbids style attributes), the label
 * escaped, and no markup for text a QR code cannot hold. */
#include <qrencode.h>

#include "arena.h"
#include "qr_svg.h"

#include "testlib.h"

/* Reads "M x y h n v 1 h -n z" runs from the path of svg into m (size × size); returns size. */
static int read_back(const char *svg, unsigned char *m, int cap)
{
    int size = 0;
    cr_assert_eq(sscanf(strstr(svg, "viewBox=\""), "viewBox=\"0 0 %d", &size), 1);
    cr_assert(size > 0 && size <= cap);
    memset(m, 0, (size_t)(size * size));
    const char *p = strstr(svg, " d=\"");
    cr_assert_not_null(p);
    for (p += 4; *p == 'M';) {
        int x, y, run, back, used = 0;
        cr_assert_eq(sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &back, &used), 4, "%.40s", p);
        cr_assert_eq(run, back);
        cr_assert(x >= 0 && y >= 0 && x + run <= size && y < size);
        for (int i = 0; i < run; i++) m[y * size + x + i] = 1;
        p += used;
    }
    cr_assert_eq(*p, '"');
    return size;
}

Test(qr_svg, draws_exactly_the_modules_of_libqrencode)
{
    struct arena *a = arena_new();
    const char *text = "http://weixin.qq.com/q/02ab3cDeFgHiJkLmNoPqRs";
    char *svg = qr_svg(a, text, 220, "QR");
    cr_assert_not_null(svg);
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    cr_assert_not_null(q);
    static unsigned char m[200 * 200];
    int size = read_back(svg, m, 200);
    cr_assert_eq(size, q->width + 8, "a quiet zone of 4 modules on each side");
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            int in = x >= 4 && y >= 4 && x < q->width + 4 && y < q->width + 4;
            int want = in ? q->data[(y - 4) * q->width + (x - 4)] & 1 : 0;
            cr_assert_eq(m[y * size + x], want, "module %d,%d", x, y);
        }
    QRcode_free(q);
    arena_free(a);
}

Test(qr_svg, attributes_label_and_limits)
{
    struct arena *a = arena_new();
    char *svg = qr_svg(a, "x", 100, "扫码 \"<b>\" & go");
    cr_assert_not_null(svg);
    cr_assert(!strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39));
    cr_assert_null(strstr(svg, "style"), "no style attribute: the CSP forbids inline styles");
    cr_assert_not_null(strstr(svg, "width=\"100\" height=\"100\""));
    cr_assert_not_null(strstr(svg, "fill=\"#fff\""));
    cr_assert_not_null(strstr(svg, "aria-label=\"扫码 &quot;&lt;b&gt;&quot; &amp; go\""));
    cr_assert_null(qr_svg(a, "", 100, "x"));
    cr_assert_null(qr_svg(a, NULL, 100, "x"));
    char *big = arena_alloc(a, 4001);
    memset(big, 'a', 4000);
    cr_assert_null(qr_svg(a, big, 100, "x"), "more than a QR code holds");
    arena_free(a);
}
