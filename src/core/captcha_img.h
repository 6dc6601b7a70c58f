/* captcha_img: draws a captcha text as a PNG with libgd and FreeType: rotated characters,
 * a wave warp, noise lines and dots on a light background. */
#ifndef DAOID_CAPTCHA_IMG_H
#define DAOID_CAPTCHA_IMG_H

#include <stddef.h>

struct arena;

/* The size the page shows (CSS pixels); the PNG has CAPTCHA_IMG_SCALE times as many pixels
 * each way, so it stays sharp on high-density screens (2 device pixels per CSS pixel). */
#define CAPTCHA_IMG_WIDTH  160
#define CAPTCHA_IMG_HEIGHT 56
#define CAPTCHA_IMG_SCALE  2

/* Sets up the gd font cache (so drawing is thread-safe) and checks the font is readable.
 * Call once at start-up, before any thread draws. Returns 0 or -1 (logged). */
int captcha_img_init(void);
/* Releases the font cache; call once at exit, when no thread draws any more. */
void captcha_img_shutdown(void);

/* A (CAPTCHA_IMG_WIDTH x CAPTCHA_IMG_HEIGHT) * CAPTCHA_IMG_SCALE PNG of text (4 to 8 printable
 * ASCII characters, no spaces). Returns the PNG bytes owned by a and sets *len, or NULL (logged)
 * for other text or when drawing fails. */
unsigned char *captcha_img_png(struct arena *a, const char *text, size_t *len);

#endif
