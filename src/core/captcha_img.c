/* captcha_img: renders each character with its own size, angle, offset and colour, warps the
 * image along two sine waves, then crosses it with noise lines and dots. libgd (and what it
 * pulls in: FreeType, libpng, the HEIF/AVIF codecs, ~12 MiB of mapped pages) is loaded with
 * dlopen when the first captcha is drawn, not at start: a server that never shows one never
 * maps it.
 * Every length below is in CSS pixels times S (CAPTCHA_IMG_SCALE): the image is drawn at the
 * screen's density, not scaled up, and reduced to a 64-colour palette so the larger PNG stays
 * small. */
#include "captcha_img.h"
#include "arena.h"
#include "lazylib.h"
#include "log.h"

#include <dlfcn.h>
#include <gd.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#define CAPTCHA_IMG_LIBGD "libgd.so.3" /* Debian's libgd3 */

#define CAPTCHA_IMG_FONT   "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define S                  CAPTCHA_IMG_SCALE
#define CAPTCHA_IMG_W      (CAPTCHA_IMG_WIDTH * S)
#define CAPTCHA_IMG_H      (CAPTCHA_IMG_HEIGHT * S)
#define CAPTCHA_IMG_MARGIN (8 * S)
#define CAPTCHA_IMG_MINLEN 4
#define CAPTCHA_IMG_MAXLEN 8
#define CAPTCHA_IMG_MAXPT  (27.0 * S) /* points at gd's 96 dpi: a 36 CSS px em */
#define CAPTCHA_IMG_DEG    25         /* largest rotation of a character, either way */
#define CAPTCHA_IMG_DOTS   260

/* A uniform integer in [lo, hi]. */
static int captcha_img_rand(int lo, int hi)
{
    return lo + (int)randombytes_uniform((uint32_t)(hi - lo + 1));
}

static double captcha_img_frand(double lo, double hi)
{
    return lo + (hi - lo) * (double)randombytes_uniform(1000001) / 1000000.0;
}

/* ---- libgd, loaded on first use: gd.<function> as declared by gd.h ---- */
#define GD_FUNCTIONS(X)                                                                            \
    X(gdFontCacheSetup)                                                                            \
    X(gdFontCacheShutdown)                                                                         \
    X(gdImageStringFT)                                                                             \
    X(gdImageColorAllocate)                                                                        \
    X(gdImageCreateTrueColor)                                                                      \
    X(gdImageFilledRectangle)                                                                      \
    X(gdImageCopy)                                                                                 \
    X(gdImageDestroy)                                                                              \
    X(gdImageSetThickness)                                                                         \
    X(gdImageLine)                                                                                 \
    X(gdImageFilledEllipse)                                                                        \
    X(gdImagePngPtr)                                                                               \
    X(gdImageTrueColorToPalette)                                                                   \
    X(gdFree)

static struct {
#define GD_MEMBER(f) __typeof__(f) *f;
    GD_FUNCTIONS(GD_MEMBER)
#undef GD_MEMBER
} gd;
static pthread_once_t gd_once = PTHREAD_ONCE_INIT;
static int gd_ready; /* set once by gd_load: 1 loaded, font cache set up and the font renders */

static void gd_load(void)
{
#define GD_SLOT(f) &gd.f,
    static const char *const names[] = {GD_FUNCTIONS(LAZYLIB_NAME)};
    void *const slots[] = {GD_FUNCTIONS(GD_SLOT)};
#undef GD_SLOT
    if (!lazylib_load("captcha_img", CAPTCHA_IMG_LIBGD, names, slots, sizeof(names) / sizeof(*names)))
        return;
    int brect[8];
    if (gd.gdFontCacheSetup() != 0) {
        log_warnx("captcha_img: gd font cache setup failed");
        return;
    }
    char *err =
        gd.gdImageStringFT(NULL, brect, 0, CAPTCHA_IMG_FONT, CAPTCHA_IMG_MAXPT, 0, 0, 0, "A");
    if (err) {
        log_warnx("captcha_img: cannot render with %s: %s", CAPTCHA_IMG_FONT, err);
        gd.gdFontCacheShutdown();
        return;
    }
    gd_ready = 1;
}

/* 1 when libgd is there to draw with (loads it the first time) */
static int gd_loaded(void)
{
    pthread_once(&gd_once, gd_load);
    return gd_ready;
}

int captcha_img_init(void)
{
    if (access(CAPTCHA_IMG_FONT, R_OK) != 0) {
        log_warn("captcha_img: font %s", CAPTCHA_IMG_FONT);
        return -1;
    }
    return 0;
}

void captcha_img_shutdown(void)
{
    if (gd_ready) gd.gdFontCacheShutdown();
}

static int captcha_img_text_ok(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n < CAPTCHA_IMG_MINLEN || n > CAPTCHA_IMG_MAXLEN) return 0;
    for (size_t i = 0; i < n; i++)
        if (text[i] <= 0x20 || text[i] > 0x7E) return 0;
    return 1;
}

/* A dark colour with one channel a little stronger, so characters differ in hue. */
static int captcha_img_dark(gdImagePtr im)
{
    int c[3] = {captcha_img_rand(0, 70), captcha_img_rand(0, 70), captcha_img_rand(0, 70)};
    c[captcha_img_rand(0, 2)] += captcha_img_rand(40, 90);
    return gd.gdImageColorAllocate(im, c[0], c[1], c[2]);
}

/* The extent of s drawn at (0, 0): box = {minx, miny, maxx, maxy}. NULL or gd's error. */
static char *captcha_img_bbox(const char *s, double pt, double rad, int box[4])
{
    int br[8];
    char *err = gd.gdImageStringFT(NULL, br, 0, CAPTCHA_IMG_FONT, pt, rad, 0, 0, (char *)s);
    if (err) return err;
    box[0] = box[2] = br[0];
    box[1] = box[3] = br[1];
    for (int i = 2; i < 8; i += 2) {
        box[0] = br[i] < box[0] ? br[i] : box[0];
        box[1] = br[i + 1] < box[1] ? br[i + 1] : box[1];
        box[2] = br[i] > box[2] ? br[i] : box[2];
        box[3] = br[i + 1] > box[3] ? br[i + 1] : box[3];
    }
    return NULL;
}

static int captcha_img_clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Draws character ch centred near (cx, cy) at size pt (shrunk to about slot pixels wide) and
 * angle rad, kept inside the image. 0 or -1. */
static int captcha_img_char(gdImagePtr im, char ch, double pt, double slot, double rad, int cx,
                            int cy)
{
    char s[2] = {ch, 0};
    int box[4], br[8];
    char *err = captcha_img_bbox(s, pt, 0, box);
    if (!err && box[2] - box[0] > slot * 1.15) pt *= slot * 1.15 / (box[2] - box[0]);
    if (!err) err = captcha_img_bbox(s, pt, rad, box);
    if (!err) {
        int x = cx - (box[0] + box[2]) / 2, y = cy - (box[1] + box[3]) / 2;
        x = captcha_img_clamp(x, 2 * S - box[0], CAPTCHA_IMG_W - 3 * S - box[2]);
        y = captcha_img_clamp(y, 3 * S - box[1], CAPTCHA_IMG_H - 4 * S - box[3]);
        err = gd.gdImageStringFT(im, br, captcha_img_dark(im), CAPTCHA_IMG_FONT, pt, rad, x, y, s);
    }
    if (err) log_warnx("captcha_img: drawing text failed: %s", err);
    return err ? -1 : 0;
}

/* Degrees within +-CAPTCHA_IMG_DEG, small angles likelier (the sum of two uniform halves), so
 * few characters tip far enough to look like another. */
static int captcha_img_angle(void)
{
    int half = CAPTCHA_IMG_DEG / 2;
    return captcha_img_rand(-half, half) +
           captcha_img_rand(-(CAPTCHA_IMG_DEG - half), CAPTCHA_IMG_DEG - half);
}

static int captcha_img_text(gdImagePtr im, const char *text)
{
    size_t n = strlen(text);
    double slot = (double)(CAPTCHA_IMG_W - 2 * CAPTCHA_IMG_MARGIN) / (double)n;
    double pt = slot * 1.05 < CAPTCHA_IMG_MAXPT ? slot * 1.05 : CAPTCHA_IMG_MAXPT;
    for (size_t i = 0; i < n; i++) {
        double size = pt * captcha_img_frand(0.9, 1.1);
        double rad = captcha_img_angle() * M_PI / 180.0;
        int cx =
            CAPTCHA_IMG_MARGIN + (int)(slot * ((double)i + 0.5)) + captcha_img_rand(-2 * S, 2 * S);
        int cy = CAPTCHA_IMG_H / 2 + captcha_img_rand(-6 * S, 6 * S);
        if (captcha_img_char(im, text[i], size, slot, rad, cx, cy) < 0) return -1;
    }
    return 0;
}

static gdImagePtr captcha_img_blank(int bg)
{
    gdImagePtr im = gd.gdImageCreateTrueColor(CAPTCHA_IMG_W, CAPTCHA_IMG_H);
    if (im) gd.gdImageFilledRectangle(im, 0, 0, CAPTCHA_IMG_W - 1, CAPTCHA_IMG_H - 1, bg);
    return im;
}

/* Shifts each row sideways, then each column up or down, by sine waves of random phase.
 * Returns a new image or NULL; src is left alone. */
static gdImagePtr captcha_img_warp(gdImagePtr src, int bg)
{
    gdImagePtr rows = captcha_img_blank(bg), out = captcha_img_blank(bg);
    if (!rows || !out) goto fail;
    double ax = captcha_img_frand(2.0, 4.0) * S, px = captcha_img_frand(30.0, 60.0) * S;
    double ay = captcha_img_frand(2.0, 4.0) * S, py = captcha_img_frand(60.0, 120.0) * S;
    double phx = captcha_img_frand(0, 2 * M_PI), phy = captcha_img_frand(0, 2 * M_PI);
    for (int y = 0; y < CAPTCHA_IMG_H; y++) {
        int dx = (int)lround(ax * sin(2 * M_PI * y / px + phx));
        gd.gdImageCopy(rows, src, dx, y, 0, y, CAPTCHA_IMG_W, 1);
    }
    for (int x = 0; x < CAPTCHA_IMG_W; x++) {
        int dy = (int)lround(ay * sin(2 * M_PI * x / py + phy));
        gd.gdImageCopy(out, rows, x, dy, x, 0, 1, CAPTCHA_IMG_H);
    }
    gd.gdImageDestroy(rows);
    return out;
fail:
    if (rows) gd.gdImageDestroy(rows);
    if (out) gd.gdImageDestroy(out);
    return NULL;
}

/* A wavy line across the whole width, through the band the text occupies. */
static void captcha_img_curve(gdImagePtr im)
{
    int col = gd.gdImageColorAllocate(im, captcha_img_rand(40, 130), captcha_img_rand(40, 130),
                                      captcha_img_rand(40, 130));
    double y0 = captcha_img_frand(CAPTCHA_IMG_H * 0.3, CAPTCHA_IMG_H * 0.7);
    double amp = captcha_img_frand(4.0, 12.0) * S, period = captcha_img_frand(60.0, 160.0) * S;
    double ph = captcha_img_frand(0, 2 * M_PI);
    gd.gdImageSetThickness(im, captcha_img_rand(1, 2) * S);
    int px = 0, py = (int)(y0 + amp * sin(ph));
    for (int x = 4 * S; x < CAPTCHA_IMG_W + 4 * S; x += 4 * S) {
        int y = (int)(y0 + amp * sin(2 * M_PI * x / period + ph));
        gd.gdImageLine(im, px, py, x, y, col);
        px = x;
        py = y;
    }
    gd.gdImageSetThickness(im, 1);
}

static void captcha_img_noise(gdImagePtr im)
{
    int curves = captcha_img_rand(1, 2);
    for (int i = 0; i < curves; i++) captcha_img_curve(im);
    int col = gd.gdImageColorAllocate(im, captcha_img_rand(60, 150), captcha_img_rand(60, 150),
                                      captcha_img_rand(60, 150));
    gd.gdImageSetThickness(im, S);
    gd.gdImageLine(im, 0, captcha_img_rand(8 * S, CAPTCHA_IMG_H - 8 * S), CAPTCHA_IMG_W - 1,
                   captcha_img_rand(8 * S, CAPTCHA_IMG_H - 8 * S), col);
    gd.gdImageSetThickness(im, 1);
    for (int i = 0; i < CAPTCHA_IMG_DOTS; i++) {
        col = gd.gdImageColorAllocate(im, captcha_img_rand(60, 220), captcha_img_rand(60, 220),
                                      captcha_img_rand(60, 220));
        int x = captcha_img_rand(0, CAPTCHA_IMG_W - 1), y = captcha_img_rand(0, CAPTCHA_IMG_H - 1);
        if (i % 8 == 0)
            gd.gdImageFilledEllipse(im, x, y, 3 * S, 3 * S, col);
        else
            gd.gdImageFilledRectangle(im, x, y, x + S - 1, y + S - 1, col);
    }
}

/* Encodes im as PNG into arena memory. */
static unsigned char *captcha_img_encode(struct arena *a, gdImagePtr im, size_t *len)
{
    int size = 0;
    if (gd.gdImageTrueColorToPalette(im, 0, 64) == 0) {
        log_warnx("captcha_img: palette reduction failed");
        return NULL;
    }
    void *png = gd.gdImagePngPtr(im, &size);
    if (!png || size <= 0) {
        if (png) gd.gdFree(png);
        log_warnx("captcha_img: PNG encoding failed");
        return NULL;
    }
    unsigned char *out = arena_memdup(a, png, (size_t)size);
    gd.gdFree(png);
    *len = (size_t)size;
    return out;
}

unsigned char *captcha_img_png(struct arena *a, const char *text, size_t *len)
{
    unsigned char *png = NULL;
    gdImagePtr im = NULL, warped = NULL;
    *len = 0;
    if (!captcha_img_text_ok(text)) {
        log_warnx("captcha_img: text must be %d to %d printable ASCII characters",
                  CAPTCHA_IMG_MINLEN, CAPTCHA_IMG_MAXLEN);
        return NULL;
    }
    if (!gd_loaded()) return NULL;
    int bg = gdTrueColor(captcha_img_rand(228, 250), captcha_img_rand(228, 250),
                         captcha_img_rand(228, 250));
    if (!(im = captcha_img_blank(bg))) goto fail;
    if (captcha_img_text(im, text) < 0) goto fail;
    if (!(warped = captcha_img_warp(im, bg))) goto fail;
    captcha_img_noise(warped);
    png = captcha_img_encode(a, warped, len);
fail:
    if (im) gd.gdImageDestroy(im);
    if (warped) gd.gdImageDestroy(warped);
    return png;
}
