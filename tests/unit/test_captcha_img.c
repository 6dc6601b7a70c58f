/* Unit tests of captcha_img: PNG output, size, randomness, refused texts, concurrent drawing. */
#include "arena.h"
#include "captcha_img.h"

#include <criterion/criterion.h>
#include <gd.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

static struct arena *a;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    cr_assert_eq(captcha_img_init(), 0);
    a = arena_new();
}

static void teardown(void)
{
    arena_free(a);
    captcha_img_shutdown();
}

TestSuite(captcha_img, .init = setup, .fini = teardown);

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

Test(captcha_img, png_signature_and_size)
{
    size_t len = 0;
    unsigned char *png = captcha_img_png(a, "R7WJ4C", &len);
    cr_assert(png);
    cr_assert_geq(len, 1000);
    cr_assert_leq(len, 40000);
    cr_assert_eq(memcmp(png, png_sig, sizeof(png_sig)), 0);
    cr_assert_eq(memcmp(png + 12, "IHDR", 4), 0);
    cr_assert_eq(be32(png + 16), CAPTCHA_IMG_WIDTH * CAPTCHA_IMG_SCALE);
    cr_assert_eq(be32(png + 20), CAPTCHA_IMG_HEIGHT * CAPTCHA_IMG_SCALE);
}

Test(captcha_img, text_is_drawn)
{
    size_t len = 0;
    unsigned char *png = captcha_img_png(a, "HXKM", &len);
    cr_assert(png);
    gdImagePtr im = gdImageCreateFromPngPtr((int)len, png);
    cr_assert(im);
    int dark = 0;
    for (int y = 0; y < gdImageSY(im); y++)
        for (int x = 0; x < gdImageSX(im); x++) {
            int c = gdImageGetTrueColorPixel(im, x, y);
            if (gdTrueColorGetRed(c) + gdTrueColorGetGreen(c) + gdTrueColorGetBlue(c) < 300) dark++;
        }
    gdImageDestroy(im);
    /* four bold characters cover far more than the noise alone */
    cr_assert_gt(dark, 600, "only %d dark pixels", dark);
}

Test(captcha_img, same_text_different_images)
{
    size_t l1 = 0, l2 = 0;
    unsigned char *p1 = captcha_img_png(a, "ACDEF", &l1);
    unsigned char *p2 = captcha_img_png(a, "ACDEF", &l2);
    cr_assert(p1 && p2);
    cr_assert(l1 != l2 || memcmp(p1, p2, l1) != 0);
}

Test(captcha_img, lengths_four_to_eight)
{
    size_t len = 0;
    cr_assert(captcha_img_png(a, "KM7Y", &len));
    cr_assert(captcha_img_png(a, "WWMMWWMM", &len));
    cr_assert(captcha_img_png(a, "a!b?c#", &len));
}

Test(captcha_img, bad_text_refused)
{
    size_t len = 123;
    cr_assert_null(captcha_img_png(a, "", &len));
    cr_assert_eq(len, 0);
    cr_assert_null(captcha_img_png(a, NULL, &len));
    cr_assert_null(captcha_img_png(a, "ABC", &len));
    cr_assert_null(captcha_img_png(a, "ABCDEFGHJ", &len));
    cr_assert_null(captcha_img_png(a, "ABC DE", &len));
    cr_assert_null(captcha_img_png(a, "ABC\nDE", &len));
    cr_assert_null(captcha_img_png(a, "验证码验证", &len));
}

static void *draw_many(void *arg)
{
    (void)arg;
    struct arena *ta = arena_new();
    size_t len;
    int ok = 1;
    for (int i = 0; i < 20 && ok; i++) ok = captcha_img_png(ta, "TUVWXY", &len) != NULL;
    arena_free(ta);
    return ok ? arg : NULL;
}

Test(captcha_img, concurrent_drawing)
{
    pthread_t t[4];
    int token;
    for (int i = 0; i < 4; i++) cr_assert_eq(pthread_create(&t[i], NULL, draw_many, &token), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_assert_eq(r, &token);
    }
}
